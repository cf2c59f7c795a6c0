POLICY_SRCS	:= $(wildcard policy/*.c)
POLICY_OBJS	:= $(POLICY_SRCS:%.c=$(B)/%.o)
LIBPOLICY	:= $(B)/libpolicy.a
ALL_OBJS	+= $(POLICY_OBJS)

$(LIBPOLICY): $(POLICY_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
