SRT_PROXY_SRCS	:= $(wildcard srt-proxy/*.c)
SRT_PROXY_OBJS	:= $(SRT_PROXY_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-proxy
ALL_OBJS	+= $(SRT_PROXY_OBJS)

$(B)/bin/srt-proxy: $(SRT_PROXY_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(SRT_PROXY_OBJS) $(LIBPOLICY) $(LIBCOMMON) $(PKG_LIBS)
