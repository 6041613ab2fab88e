/* Decodes header blocks with nghttp2's HPACK inflater (an independent
 * decoder used to check h2lens's encoder; see ../hpack_encoder_oracles.rs).
 *
 * stdin: records 'S' (new story: new inflater), 'T' + u32be (SETTINGS table
 * size acknowledged), 'B' + u32be length + block.
 * stdout: per block, "H <name hex> <value hex>" per field then "B", or
 * "E <nghttp2 error>" then "B". */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned char *buf;
static size_t len;

static unsigned be32(const unsigned char *p) {
  return ((unsigned)p[0] << 24) | ((unsigned)p[1] << 16) | ((unsigned)p[2] << 8) | p[3];
}

static void hex(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

int main(void) {
  size_t cap = 1 << 20, n;
  buf = malloc(cap);
  while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
    len += n;
    if (len == cap) buf = realloc(buf, cap *= 2);
  }
  nghttp2_hd_inflater *inf = NULL;
  size_t i = 0;
  while (i < len) {
    unsigned char t = buf[i++];
    if (t == 'S') {
      if (inf) nghttp2_hd_inflate_del(inf);
      if (nghttp2_hd_inflate_new(&inf) != 0) return 2;
    } else if (t == 'T') {
      nghttp2_hd_inflate_change_table_size(inf, be32(buf + i));
      i += 4;
    } else if (t == 'B') {
      size_t blen = be32(buf + i), rem = blen;
      i += 4;
      unsigned char *in = buf + i;
      i += blen;
      for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t r = nghttp2_hd_inflate_hd2(inf, &nv, &flags, in, rem, 1);
        if (r < 0) {
          printf("E %s\n", nghttp2_strerror((int)r));
          break;
        }
        in += r;
        rem -= (size_t)r;
        if (flags & NGHTTP2_HD_INFLATE_EMIT) {
          printf("H ");
          hex(nv.name, nv.namelen);
          printf(" ");
          hex(nv.value, nv.valuelen);
          printf("\n");
        }
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
          nghttp2_hd_inflate_end_headers(inf);
          break;
        }
      }
      printf("B\n");
    } else {
      return 3;
    }
  }
  return 0;
}
