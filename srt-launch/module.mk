# srt-launch.  stub-settings.c stands in for the settings loader until
# policy/settings.c exists.
SRT_LAUNCH_SRCS	:= $(wildcard srt-launch/*.c)
ifneq ($(wildcard policy/settings.c),)
SRT_LAUNCH_SRCS	:= $(filter-out srt-launch/stub-settings.c,$(SRT_LAUNCH_SRCS))
endif
SRT_LAUNCH_OBJS	:= $(SRT_LAUNCH_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-launch
ALL_OBJS	+= $(SRT_LAUNCH_OBJS)

$(B)/bin/srt-launch: $(SRT_LAUNCH_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(SRT_LAUNCH_OBJS) $(LIBPOLICY) $(LIBCOMMON) $(PKG_LIBS)
