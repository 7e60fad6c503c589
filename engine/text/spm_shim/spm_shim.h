/* The plain C interface of libliteformer_spm.so, the only library that links
 * Debian's sentencepiece. It is loaded with dlmopen() into its own link
 * namespace because sentencepiece carries and exports its own protobuf-lite
 * 3.14, which clashes with the protobuf 3.21 that gRPC needs in the same
 * process. Nothing of C++ crosses this interface: buffers are the caller's. */
#ifndef LITEFORMER_ENGINE_TEXT_SPM_SHIM_SPM_SHIM_H_
#define LITEFORMER_ENGINE_TEXT_SPM_SHIM_SPM_SHIM_H_

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Loads a sentencepiece model; NULL on failure with a message in `error`. */
void* lf_spm_load(const char* path, char* error, size_t error_capacity);
void lf_spm_free(void* processor);

/* Encodes UTF-8 text to pieces joined by single spaces (pieces never contain
 * a space: sentencepiece writes it as U+2581). Returns the byte length of the
 * result (which is written only when it fits in `capacity`), or -1 on error. */
long lf_spm_encode(void* processor, const char* text, size_t length, char* out,
                   size_t capacity);

/* Decodes space-separated pieces to text; same conventions as encode. */
long lf_spm_decode(void* processor, const char* pieces, size_t length, char* out,
                   size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* LITEFORMER_ENGINE_TEXT_SPM_SHIM_SPM_SHIM_H_ */
