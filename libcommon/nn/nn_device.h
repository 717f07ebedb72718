/*
 * Where the network runs: the CPU engine (nn.h), or an NVIDIA GPU through the CUDA backend
 * (issue 23).  The programs never link CUDA: the backend is a shared library,
 * BUILD/lib/libnncuda.so (libcommon/nn/cuda/, built when nvcc and cuDNN are found), loaded at
 * run time with dlopen() from beside the executable (its folder's ../lib/libnncuda.so, which
 * is also where make install puts it) or from $NN_CUDA_LIB.  It exports one function,
 * nn_cuda_api(), that returns the table below.
 *
 * The host network stays the master copy between passes that the device does not run: the
 * device copy of the parameters, the batch norm statistics and the optimiser state is loaded
 * from the host (nn_device_load) and stored back (nn_device_store) around every epoch and
 * evaluation, so checkpoints, --resume and model files are the same on both devices.
 */
#ifndef NN_DEVICE_H
#define NN_DEVICE_H

#include <stddef.h>

#include "nn.h"
#include "nn_optim.h"

enum nn_precision { NN_PREC_FP32 = 0, NN_PREC_TF32, NN_PREC_BF16 };
enum nn_device_kind { NN_DEV_CPU = 0, NN_DEV_CUDA, NN_DEV_AUTO };

/* Bumped when the table or the structures the library reads (nn.h, nn_optim.h) change. */
#define NN_CUDA_ABI 1

typedef struct {
	char name[256];
	size_t total, free;     /* bytes of device memory */
	int major, minor;       /* compute capability */
	int tf32, bf16;         /* the card computes in them (compute capability 8.0 and later) */
} nn_device_info;

typedef struct nn_cuda_net nn_cuda_net;

/* What libnncuda.so gives.  Every function returning int returns 0, or -1 with a message in err
 * (one line, no program name). */
struct nn_cuda_api {
	int abi;                        /* NN_CUDA_ABI as the library was built */
	size_t net_size, layer_size, optim_size;        /* sizeof of nn_net, nn_layer, nn_optim there */
	int (*devices)(int *count, char *err, size_t errlen);
	int (*info)(int dev, nn_device_info *info, char *err, size_t errlen);
	/* The device mirror of a built network (its buffer plan, parameters and state). */
	nn_cuda_net *(*open)(nn_net *net, int dev, int precision, char *err, size_t errlen);
	void (*close)(nn_cuda_net *d);
	/* Host -> device: parameter values and layer state; with o, also the optimiser state. */
	int (*load)(nn_cuda_net *d, const nn_optim *o, char *err, size_t errlen);
	/* Device -> host: the same. */
	int (*store)(nn_cuda_net *d, nn_optim *o, char *err, size_t errlen);
	/* The host's act[0] (and feature input) for run->n samples in, the forward pass, and the
	 * last two activations (act[L - 1], act[L]) back in the host's buffers for the loss. */
	int (*forward)(nn_cuda_net *d, const nn_run *run, char *err, size_t errlen);
	/* Zeroes the gradients, then the backward pass from layer `from` with dy (host memory,
	 * run->n samples of layer from's output). */
	int (*backward)(nn_cuda_net *d, const nn_run *run, int from, const float *dy, char *err, size_t errlen);
	/* One optimiser step over every parameter (o->t is advanced, as nn_optim_step does). */
	int (*step)(nn_cuda_net *d, nn_optim *o, float lr, char *err, size_t errlen);
	size_t (*peak)(nn_cuda_net *d);         /* the most device memory used so far, bytes */
};

typedef struct {
	int kind;               /* NN_DEV_CPU or NN_DEV_CUDA, once opened */
	int index;              /* cuda:N */
	int automatic;          /* chosen by --device auto */
	int precision;
	nn_device_info info;
	const struct nn_cuda_api *api;
	void *lib;              /* the dlopen() handle */
	char why[320];          /* how the device was chosen (for -v) */
} nn_device;

/* "cpu", "cuda", "cuda:N" or "auto": 0, or -1 when it is none of them. */
int nn_device_parse(const char *s, int *kind, int *index);
/* The --device value of kind and index, as nn_device_parse reads it: cpu, cuda, cuda:N or auto
 * (a static buffer). */
const char *nn_device_spec(int kind, int index);
/* "fp32", "tf32" or "bf16": the precision, or -1. */
int nn_precision_parse(const char *s);
const char *nn_precision_name(int precision);
/* Opens the device of `kind`/`index` into *dev.  NN_DEV_AUTO: the GPU when the library loads
 * and a device is there, else the CPU (dev->why says why).  NN_DEV_CUDA: -1 with the reason in
 * err when there is no GPU or no library.  precision < 0: the default (tf32 on cards that
 * have it, else fp32; fp32 on the CPU); on the CPU only fp32 is accepted. */
int nn_device_open(nn_device *dev, int kind, int index, int precision, char *err, size_t errlen);
void nn_device_close(nn_device *dev);
/* The network cannot run on the GPU (why): a device chosen by auto becomes the CPU (0, and
 * dev->why says why); one asked for by --device cuda stays (-1). */
int nn_device_fallback(nn_device *dev, const char *why);
/* The path of libnncuda.so tried: $NN_CUDA_LIB, else beside the executable. */
void nn_device_lib_path(char *buf, size_t len);
/* One line: "cpu", or "cuda:0 (NAME, 80.0 GiB, compute 9.0, tf32)". */
void nn_device_describe(const nn_device *dev, char *buf, size_t len);
/* For --summary and -v: the device and why it was chosen, as "cpu (--device auto: no CUDA
 * device (REASON))" or "cuda:0 (NAME, 80.0 GiB, compute 9.0, tf32; --device auto)", and with
 * peak > 0 ", peak device memory X MiB". */
void nn_device_summary(const nn_device *dev, size_t peak, char *buf, size_t len);

#endif
