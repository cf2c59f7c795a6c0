# Every tests/unit/test_*.c is one TAP-printing program linked with the
# libraries; tests/unit/tap.c is the shared harness.
UNIT_SRCS	:= $(wildcard tests/unit/test_*.c)
UNIT_TESTS	:= $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
TAP_OBJ		:= $(B)/tests/unit/tap.o
HELPER_SRCS	:= $(wildcard tests/helpers/*.c)
HELPERS		:= $(HELPER_SRCS:tests/helpers/%.c=$(B)/tests/helpers/%)
ALL_OBJS	+= $(UNIT_SRCS:%.c=$(B)/%.o) $(TAP_OBJ) \
		   $(HELPER_SRCS:%.c=$(B)/%.o)
PROGRAMS_EXTRA	+= $(HELPERS)

$(B)/tests/%: $(B)/tests/unit/%.o $(TAP_OBJ) $(LIBPOLICY) $(LIBCOMMON)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $< $(TAP_OBJ) $(LIBPOLICY) $(LIBCOMMON) $(PKG_LIBS)

# Small programs run inside the sandbox by the bats suites (escape
# attempts that report an errno).  Static-free, libc only.
$(B)/tests/helpers/%: $(B)/tests/helpers/%.o
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $<

all: $(HELPERS)
