# libFuzzer harnesses (clang).  Built only by `make fuzz`, which re-enters
# make with FUZZ=1, clang and the sanitizers in build-fuzz/.
FUZZ_SRCS	:= $(wildcard fuzz/fuzz_*.c)
FUZZERS		:= $(FUZZ_SRCS:fuzz/%.c=$(B)/fuzz/%)
ALL_OBJS	+= $(FUZZ_SRCS:%.c=$(B)/%.o)

$(B)/fuzz/%: $(B)/fuzz/%.o $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(LIBPOLICY) $(LIBCOMMON) $(PKG_LIBS)

.PHONY: fuzzers
fuzzers: $(FUZZERS)

# The control-fd framing is srt-launch's, a pure file linked in alone.
$(B)/fuzz/fuzz_control: $(B)/fuzz/fuzz_control.o $(B)/srt-launch/ctlframe.o $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -fsanitize=fuzzer -o $@ $(B)/fuzz/fuzz_control.o $(B)/srt-launch/ctlframe.o $(LIBPOLICY) $(LIBCOMMON) $(PKG_LIBS)
