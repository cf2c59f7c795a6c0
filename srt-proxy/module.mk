SRT_PROXY_SRCS	:= $(wildcard srt-proxy/*.c)
SRT_PROXY_OBJS	:= $(SRT_PROXY_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-proxy
ALL_OBJS	+= $(SRT_PROXY_OBJS)

# Static (PIE) like srt-bridge: it starts on every run, and the dynamic
# loader's work was a measurable share of that.  privdrop reads
# /etc/passwd itself, so a static libc needs no NSS module for nobody.
# Sanitizer runtimes need the loader: those builds stay dynamic.
ifeq ($(strip $(SANITIZE)),)
SRT_PROXY_LINK	:= $(filter-out -pie,$(LDFLAGS_ALL)) -static-pie
SRT_PROXY_LIBS	:= -lseccomp -lyajl_s -levent -lbsd -lmd
else
SRT_PROXY_LINK	:= $(LDFLAGS_ALL)
SRT_PROXY_LIBS	:= $(PKG_LIBS)
endif

$(B)/bin/srt-proxy: $(SRT_PROXY_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(SRT_PROXY_LINK) -o $@ $(SRT_PROXY_OBJS) $(LIBPOLICY) $(LIBCOMMON) $(SRT_PROXY_LIBS)
