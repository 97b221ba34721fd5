#!/usr/bin/env bash
# Builds native-shim/build/libpspshim.so (optional at run time: Java skips shim backends without it).
# Idempotent: does nothing when the library is newer than its sources and this script.
# Needs gcc and libssl-dev (OpenSSL 3); adds intel-ipsec-mb when libipsec-mb-dev is installed.
# PSP_SHIM_NO_IPSEC_MB=1 builds the OpenSSL part only (to test that configuration).
# Exits 0 with a message when something is missing, so CI can always call it.
set -u
cd "$(dirname "$0")"
out=build/libpspshim.so
srcs=(src/psp_shim.c src/psp_shim.h build.sh)

if ! command -v "${CC:-gcc}" >/dev/null 2>&1; then
  echo "native-shim: ${CC:-gcc} not found; shim not built (shim backends will report unavailable)"
  exit 0
fi
inc=$(echo | "${CC:-gcc}" -xc -E -v - 2>&1 | sed -n '/#include <...> search starts here:/,/End of search list./p' | grep '^ ' | tr -d ' ')
has_header() { for d in $inc /usr/include /usr/local/include; do [ -f "$d/$1" ] && return 0; done; return 1; }

if ! has_header openssl/evp.h; then
  echo "native-shim: openssl/evp.h not found (apt-get install -y libssl-dev); shim not built"
  exit 0
fi
flags=()
libs=(-lcrypto)
if [ "${PSP_SHIM_NO_IPSEC_MB:-0}" != 1 ] && has_header intel-ipsec-mb.h; then
  flags+=(-DHAVE_IPSEC_MB)
  libs=(-lIPSec_MB "${libs[@]}")
  what="intel-ipsec-mb + OpenSSL"
else
  echo "native-shim: intel-ipsec-mb.h not found (apt-get install -y libipsec-mb-dev); building OpenSSL part only"
  what="OpenSSL only"
fi

stamp=build/.flags
want="${flags[*]} ${libs[*]}"
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  fresh=1
  for s in "${srcs[@]}"; do [ "$s" -nt "$out" ] && fresh=0; done
  if [ $fresh = 1 ]; then
    echo "native-shim: $out up to date ($what)"
    exit 0
  fi
fi

mkdir -p build
tmp="$out.tmp.$$"
if "${CC:-gcc}" -O2 -fPIC -shared -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
    -fvisibility=default -Wl,-z,noexecstack -Wl,--no-undefined \
    "${flags[@]}" -o "$tmp" src/psp_shim.c "${libs[@]}"; then
  mv -f "$tmp" "$out"
  echo "$want" > "$stamp"
  echo "native-shim: built $out ($what)"
else
  rm -f "$tmp"
  echo "native-shim: compilation failed; shim not built"
  exit 1
fi
