#ifndef VIGIE_CETPAN_SHIM_H
#define VIGIE_CETPAN_SHIM_H
#include <libetpan/libetpan.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>

/* libetpan's list macros are invisible to Swift; these shims make the common walks typed. */
static inline clistiter *cetpan_clist_begin(clist *list) { return list ? list->first : NULL; }
static inline clistiter *cetpan_clist_next(clistiter *it) { return it ? it->next : NULL; }
static inline void *cetpan_clist_content(clistiter *it) { return it ? it->data : NULL; }
static inline int cetpan_clist_count(clist *list) { return list ? list->count : 0; }

/* ---- TLS peer verification ------------------------------------------------------------------------------------
   libetpan built with GnuTLS (Debian's) verifies nothing: mailstream_ssl_set_server_certicate is "not implemented"
   there and the handshake accepts any certificate. After the handshake, and before any credential is sent, this
   checks the chain the server presented, with GnuTLS: it must lead to a certificate of `ca_file` (PEM bundle) or,
   when `ca_file` is NULL, of the system trust store; every certificate must be within its validity period and
   signed with an acceptable algorithm; the leaf must allow TLS server use (when it has an extendedKeyUsage) and name
   `hostname` (DNS name, wildcard rules of RFC 6125, or an IP address literal matched against its iPAddress SANs).
   The handshake itself already proved that the server holds the leaf's private key.
   Returns 0 when trusted; otherwise -1 and a readable reason in `reason`. */
static inline int cetpan_verify_peer(mailstream *stream, const char *ca_file, const char *hostname,
                                     char *reason, size_t reason_len)
{
    enum { max_chain = 16 };
    gnutls_x509_crt_t certs[max_chain];
    unsigned int count = 0, i, status = 0;
    gnutls_x509_trust_list_t trust = NULL;
    int result = -1, r;
    carray *chain;

    reason[0] = '\0';
    chain = stream ? mailstream_get_certificate_chain(stream) : NULL;
    if (chain == NULL || chain->len == 0) {
        snprintf(reason, reason_len, "the server presented no certificate");
        goto out;
    }
    if (gnutls_x509_trust_list_init(&trust, 0) < 0) {
        snprintf(reason, reason_len, "out of memory");
        goto out;
    }
    r = ca_file ? gnutls_x509_trust_list_add_trust_file(trust, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0)
                : gnutls_x509_trust_list_add_system_trust(trust, 0, 0);
    if (r <= 0) {
        snprintf(reason, reason_len, "no trusted certificate could be loaded from %s%s%s",
                 ca_file ? ca_file : "the system trust store", r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
        goto out;
    }
    for (i = 0; i < chain->len && i < max_chain; i++) {
        MMAPString *der = (MMAPString *)chain->array[i];
        gnutls_datum_t datum = { (unsigned char *)der->str, (unsigned int)der->len };
        if (gnutls_x509_crt_init(&certs[count]) < 0) {
            snprintf(reason, reason_len, "out of memory");
            goto out;
        }
        count++;
        if (gnutls_x509_crt_import(certs[count - 1], &datum, GNUTLS_X509_FMT_DER) < 0) {
            snprintf(reason, reason_len, "the server certificate #%u could not be decoded", i);
            goto out;
        }
    }
    {
        gnutls_typed_vdata_st checks[2];
        checks[0].type = GNUTLS_DT_DNS_HOSTNAME;
        checks[0].data = (unsigned char *)hostname;
        checks[0].size = 0;
        checks[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
        checks[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
        checks[1].size = 0;
        r = gnutls_x509_trust_list_verify_crt2(trust, certs, count, checks, 2, 0, &status, NULL);
    }
    if (r < 0) {
        snprintf(reason, reason_len, "verification failed: %s", gnutls_strerror(r));
        goto out;
    }
    if (status != 0) {
        gnutls_datum_t text = { NULL, 0 };
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0 && text.data) {
            snprintf(reason, reason_len, "%s", (const char *)text.data);
            gnutls_free(text.data);
        } else {
            snprintf(reason, reason_len, "the certificate is not trusted (status 0x%x)", status);
        }
        goto out;
    }
    result = 0;
out:
    for (i = 0; i < count; i++) gnutls_x509_crt_deinit(certs[i]);
    if (trust) gnutls_x509_trust_list_deinit(trust, 1);
    if (chain) mailstream_certificate_chain_free(chain);
    return result;
}

/* libetpan's SNI setter takes a mutable string; the callback shape of mailimap_ssl_connect_with_callback. */
static inline void cetpan_set_server_name(struct mailstream_ssl_context *context, void *hostname)
{
    if (hostname) mailstream_ssl_set_server_name(context, (char *)hostname);
}

#endif
