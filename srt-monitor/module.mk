SRT_MONITOR_SRCS	:= $(wildcard srt-monitor/*.c)
SRT_MONITOR_OBJS	:= $(SRT_MONITOR_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-monitor
ALL_OBJS	+= $(SRT_MONITOR_OBJS)

$(B)/bin/srt-monitor: $(SRT_MONITOR_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(STATIC_LINK) -o $@ $(SRT_MONITOR_OBJS) $(LIBPOLICY) $(LIBCOMMON) $(STATIC_LIBS)
