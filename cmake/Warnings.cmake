# Project-wide warning policy: every target we own is -Wall -Wextra -Werror clean.
add_compile_options(-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla -Wstrict-prototypes)
add_compile_definitions(_POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
