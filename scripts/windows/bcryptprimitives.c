/* bcryptprimitives.dll for Wine 8 (Debian 12), which lacks it: Rust >= 1.78's standard
 * library imports ProcessPrng from it for its random numbers (HashMap seeds and the like),
 * so without this DLL no Rust program starts under Wine 8. It forwards to RtlGenRandom
 * (advapi32's SystemFunction036), which Wine has. Real Windows (10 and newer) ships its own
 * bcryptprimitives.dll; this shim is for running tests under Wine only, never shipped.
 * Built by scripts/setup.sh:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c \
 *       bcryptprimitives.def -ladvapi32
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!RtlGenRandom(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
