// zlib's CRC-32 functions, for joining a gzipped head and tail into one gzip member
// (crc32_combine). Compression itself goes through compress-nio.
#include <zlib.h>
