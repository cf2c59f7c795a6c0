SRT_MONITOR_SRCS	:= $(wildcard srt-monitor/*.c)
SRT_MONITOR_OBJS	:= $(SRT_MONITOR_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-monitor
ALL_OBJS	+= $(SRT_MONITOR_OBJS)

# Static (PIE) like srt-bridge: it starts on every run, and the dynamic
# loader's work was a measurable share of that.  privdrop reads
# /etc/passwd itself, so a static libc needs no NSS module for nobody.
# Sanitizer runtimes need the loader: those builds stay dynamic.
ifeq ($(strip $(SANITIZE)),)
SRT_MONITOR_LINK	:= $(filter-out -pie,$(LDFLAGS_ALL)) -static-pie
SRT_MONITOR_LIBS	:= -lseccomp -lyajl_s -levent -lbsd -lmd
else
SRT_MONITOR_LINK	:= $(LDFLAGS_ALL)
SRT_MONITOR_LIBS	:= $(PKG_LIBS)
endif

$(B)/bin/srt-monitor: $(SRT_MONITOR_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(SRT_MONITOR_LINK) -o $@ $(SRT_MONITOR_OBJS) $(LIBPOLICY) $(LIBCOMMON) $(SRT_MONITOR_LIBS)
