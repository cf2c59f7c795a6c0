LIBCOMMON_SRCS	:= $(wildcard libcommon/*.c)
LIBCOMMON_OBJS	:= $(LIBCOMMON_SRCS:%.c=$(B)/%.o)
LIBCOMMON	:= $(B)/libcommon.a
ALL_OBJS	+= $(LIBCOMMON_OBJS)

$(LIBCOMMON): $(LIBCOMMON_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
