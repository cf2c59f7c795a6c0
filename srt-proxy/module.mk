SRT_PROXY_SRCS	:= $(wildcard srt-proxy/*.c)
SRT_PROXY_OBJS	:= $(SRT_PROXY_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-proxy
ALL_OBJS	+= $(SRT_PROXY_OBJS)

$(B)/bin/srt-proxy: $(SRT_PROXY_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(STATIC_LINK) -o $@ $(SRT_PROXY_OBJS) $(LIBPOLICY) $(LIBCOMMON) \
	    $(TLS_LIBS) $(STATIC_LIBS)
