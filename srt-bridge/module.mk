SRT_BRIDGE_SRCS	:= $(wildcard srt-bridge/*.c)
SRT_BRIDGE_OBJS	:= $(SRT_BRIDGE_SRCS:%.c=$(B)/%.o)
PROGRAMS	+= $(B)/bin/srt-bridge
ALL_OBJS	+= $(SRT_BRIDGE_OBJS)

# Static (PIE, so still randomized): the bridge is on the sandbox's
# critical path, and with no dynamic loader it touches no file after
# exec, so pid 1 starts it before building the mounts (see
# service_bridge_spawn).  Sanitizer runtimes need the loader: those
# builds stay dynamic and pid 1 starts the bridge after the mounts.
ifeq ($(strip $(SANITIZE)),)
SRT_BRIDGE_LINK	:= $(filter-out -pie,$(LDFLAGS_ALL)) -static-pie
SRT_BRIDGE_LIBS	:= -lseccomp -lbsd -lmd
else
SRT_BRIDGE_LINK	:= $(LDFLAGS_ALL)
SRT_BRIDGE_LIBS	:= $(PKG_LIBS)
endif

$(B)/bin/srt-bridge: $(SRT_BRIDGE_OBJS) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(SRT_BRIDGE_LINK) -o $@ $(SRT_BRIDGE_OBJS) $(LIBPOLICY) $(LIBCOMMON) $(SRT_BRIDGE_LIBS)
