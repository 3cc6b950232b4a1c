/*
 * Excerpt of cudnn_version.h as shipped with cuDNN 9.1.0 (licence header omitted).
 */

#ifndef CUDNN_VERSION_H_
#define CUDNN_VERSION_H_

#include "cudnn_ops_infer.h"

#define CUDNN_MAJOR 9
#define CUDNN_MINOR 1
#define CUDNN_PATCHLEVEL 0

#define CUDNN_VERSION (CUDNN_MAJOR * 10000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)

#endif /* CUDNN_VERSION_H */
