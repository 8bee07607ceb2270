#ifndef VIGIE_CCURL_SHIM_H
#define VIGIE_CCURL_SHIM_H
#include <curl/curl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* curl_easy_setopt / curl_easy_getinfo are variadic: Swift needs typed entry points. */
static inline CURLcode ccurl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode ccurl_setopt_write_callback(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, cb);
}
static inline CURLcode ccurl_setopt_read_callback(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_READFUNCTION, cb);
}
static inline CURLcode ccurl_setopt_header_callback(CURL *h, size_t (*cb)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, cb);
}
static inline CURLcode ccurl_setopt_debug_callback(CURL *h, int (*cb)(CURL *, curl_infotype, char *, size_t, void *)) {
    return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, cb);
}
static inline CURLcode ccurl_setopt_sockopt_callback(CURL *h, int (*cb)(void *, curl_socket_t, curlsocktype)) {
    return curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, cb);
}
/* Pages fetched for citizens' reports must not reach this machine or its network (SSRF): the address libcurl is about
   to connect to, after DNS and at every redirect, is refused when loopback, private (RFC 1918, fc00::/7), link-local
   (169.254/16 and its cloud metadata, fe80::/10), CGNAT (100.64/10), unspecified or multicast, IPv4-mapped included. */
static inline int ccurl_is_private_address(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) {
        const unsigned char *b = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
               (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) ||
               (b[0] == 100 && (b[1] & 0xC0) == 64) || b[0] >= 224;
    }
    if (sa->sa_family == AF_INET6) {
        const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const unsigned char zeros[15] = {0};
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        if (memcmp(b, zeros, 15) == 0 && (b[15] == 0 || b[15] == 1)) return 1;
        if ((b[0] & 0xFE) == 0xFC || (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || b[0] == 0xFF) return 1;
        if (memcmp(b, mapped, 12) == 0) {
            struct sockaddr_in v4;
            memset(&v4, 0, sizeof v4);
            v4.sin_family = AF_INET;
            memcpy(&v4.sin_addr, b + 12, 4);
            return ccurl_is_private_address((const struct sockaddr *)&v4);
        }
        return 0;
    }
    return 1;
}
static inline curl_socket_t ccurl_opensocket_public_only(void *clientp, curlsocktype purpose, struct curl_sockaddr *address) {
    (void)purpose;
    if (ccurl_is_private_address(&address->addr)) {
        if (clientp) *(int *)clientp = 1;
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}
/* Refuses private addresses for this handle; `*refused` becomes 1 when one was refused. */
static inline CURLcode ccurl_setopt_public_addresses_only(CURL *h, int *refused) {
    CURLcode c = curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, ccurl_opensocket_public_only);
    if (c != CURLE_OK) return c;
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, (void *)refused);
}
/* CURL_READFUNC_ABORT as a typed constant. */
static inline size_t ccurl_readfunc_abort(void) { return CURL_READFUNC_ABORT; }
static inline CURLcode ccurl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_socket(CURL *h, CURLINFO i, curl_socket_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode ccurl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }

#endif
