SRT_BRIDGE_SRCS	:= $(wildcard srt-bridge/*.c)
SRT_BRIDGE_OBJS	:= $(SRT_BRIDGE_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-bridge
ALL_OBJS	+= $(SRT_BRIDGE_OBJS)

$(B)/bin/srt-bridge: $(SRT_BRIDGE_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(STATIC_LINK) -o $@ $(SRT_BRIDGE_OBJS) $(LIBPOLICY) $(LIBCOMMON) $(STATIC_LIBS)
