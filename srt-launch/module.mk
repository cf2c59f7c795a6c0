SRT_LAUNCH_SRCS	:= $(wildcard srt-launch/*.c)
SRT_LAUNCH_OBJS	:= $(SRT_LAUNCH_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-launch
ALL_OBJS	+= $(SRT_LAUNCH_OBJS)

$(B)/bin/srt-launch: $(SRT_LAUNCH_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(SRT_LAUNCH_OBJS) $(LIBPOLICY) $(LIBCOMMON) $(PKG_LIBS)
