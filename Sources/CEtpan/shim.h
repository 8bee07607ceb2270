#ifndef VIGIE_CETPAN_SHIM_H
#define VIGIE_CETPAN_SHIM_H
#include <libetpan/libetpan.h>

/* libetpan's list macros are invisible to Swift; these shims make the common walks typed. */
static inline clistiter *cetpan_clist_begin(clist *list) { return list ? list->first : NULL; }
static inline clistiter *cetpan_clist_next(clistiter *it) { return it ? it->next : NULL; }
static inline void *cetpan_clist_content(clistiter *it) { return it ? it->data : NULL; }
static inline int cetpan_clist_count(clist *list) { return list ? list->count : 0; }

#endif
