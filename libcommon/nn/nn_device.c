/* Choosing the device and loading the CUDA backend at run time (nn_device.h). */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn_device.h"
#include "util/util.h"

int
nn_device_parse(const char *s, int *kind, int *index)
{
	char *end;

	*index = 0;
	if (strcmp(s, "cpu") == 0)
		*kind = NN_DEV_CPU;
	else if (strcmp(s, "auto") == 0)
		*kind = NN_DEV_AUTO;
	else if (strcmp(s, "cuda") == 0)
		*kind = NN_DEV_CUDA;
	else if (strncmp(s, "cuda:", 5) == 0 && s[5] >= '0' && s[5] <= '9') {
		long v = strtol(s + 5, &end, 10);
		if (*end || v > 255)
			return -1;
		*kind = NN_DEV_CUDA;
		*index = (int)v;
	} else
		return -1;
	return 0;
}

static const char *const prec_names[] = { "fp32", "tf32", "bf16" };

const char *
nn_device_spec(int kind, int index)
{
	static char buf[32];

	if (kind == NN_DEV_CUDA && index)
		snprintf(buf, sizeof buf, "cuda:%d", index);
	else
		snprintf(buf, sizeof buf, "%s", kind == NN_DEV_CPU ? "cpu" : kind == NN_DEV_CUDA ? "cuda" : "auto");
	return buf;
}

int
nn_precision_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, prec_names[i]) == 0)
			return i;
	return -1;
}

const char *
nn_precision_name(int precision)
{
	return precision >= 0 && precision < 3 ? prec_names[precision] : "?";
}

void
nn_device_lib_path(char *buf, size_t len)
{
	const char *env = getenv("NN_CUDA_LIB");
	char exe[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0) {
		snprintf(buf, len, "libnncuda.so");
		return;
	}
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	snprintf(buf, len, "%s/../lib/libnncuda.so", exe);
}

/* Loads the library and checks that it was built from the same structures: 0, or -1 with why. */
static int
load_lib(nn_device *dev, char *err, size_t errlen)
{
	char path[PATH_MAX + 32];
	const struct nn_cuda_api *(*get)(void);

	nn_device_lib_path(path, sizeof path);
	if (access(path, F_OK) != 0)
		return errorf(err, errlen, "%s not found: this build has no CUDA backend", path);
	/* never unmapped: what CUDA and libstdc++ keep until exit stays reachable (LeakSanitizer) */
	dev->lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!dev->lib) {
		const char *e = dlerror();
		return errorf(err, errlen, "cannot load %s", e ? e : path);
	}
	*(void **)&get = dlsym(dev->lib, "nn_cuda_api");
	dev->api = get ? get() : NULL;
	if (!dev->api)
		return errorf(err, errlen, "%s: no nn_cuda_api in it", path);
	if (dev->api->abi != NN_CUDA_ABI || dev->api->net_size != sizeof(nn_net) ||
	    dev->api->layer_size != sizeof(nn_layer) || dev->api->optim_size != sizeof(nn_optim))
		return errorf(err, errlen, "%s was built from another version of the engine (rebuild it)", path);
	return 0;
}

static int
open_cuda(nn_device *dev, int index, char *err, size_t errlen)
{
	char why[200];
	int count = 0;

	/* No NVIDIA driver, no GPU: say so without loading cuBLAS and cuDNN (hundreds of MB
	 * mapped at every start), unless NN_CUDA_LIB names the library to try. */
	const char *lib = getenv("NN_CUDA_LIB");
	if ((!lib || !*lib) && access("/dev/nvidiactl", F_OK) != 0 && access("/proc/driver/nvidia/version", F_OK) != 0)
		return errorf(err, errlen, "no CUDA device (no NVIDIA driver: no /dev/nvidiactl)");
	if (load_lib(dev, why, sizeof why) != 0)
		return errorf(err, errlen, "no CUDA device (%s)", why);
	if (dev->api->devices(&count, why, sizeof why) != 0)
		return errorf(err, errlen, "no CUDA device (%s)", why);
	if (count == 0)
		return errorf(err, errlen, "no CUDA device (the driver sees no GPU)");
	if (index >= count)
		return errorf(err, errlen, "no CUDA device %d (there %s %d)", index, count == 1 ? "is" : "are", count);
	if (dev->api->info(index, &dev->info, why, sizeof why) != 0)
		return errorf(err, errlen, "no CUDA device (%s)", why);
	dev->kind = NN_DEV_CUDA;
	dev->index = index;
	return 0;
}

int
nn_device_open(nn_device *dev, int kind, int index, int precision, char *err, size_t errlen)
{
	char why[256];

	memset(dev, 0, sizeof *dev);
	if (kind == NN_DEV_CPU) {
		snprintf(dev->why, sizeof dev->why, "cpu (--device cpu)");
	} else if (open_cuda(dev, index, why, sizeof why) == 0) {
		snprintf(dev->why, sizeof dev->why, "%s", kind == NN_DEV_AUTO ? "--device auto" : "--device cuda");
		dev->automatic = kind == NN_DEV_AUTO;
	} else if (kind == NN_DEV_CUDA) {
		nn_device_close(dev);
		return errorf(err, errlen, "%s", why);
	} else {
		nn_device_close(dev);
		snprintf(dev->why, sizeof dev->why, "cpu (--device auto: %s)", why);
	}
	if (dev->kind == NN_DEV_CPU) {
		if (precision > NN_PREC_FP32)
			return errorf(err, errlen, "--precision %s: the CPU computes in fp32 only",
			              nn_precision_name(precision));
		dev->precision = NN_PREC_FP32;
		return 0;
	}
	if (precision < 0)
		precision = dev->info.tf32 ? NN_PREC_TF32 : NN_PREC_FP32;
	if ((precision == NN_PREC_TF32 && !dev->info.tf32) || (precision == NN_PREC_BF16 && !dev->info.bf16)) {
		errorf(err, errlen, "--precision %s: %s (compute capability %d.%d) does not have it",
		       nn_precision_name(precision), dev->info.name, dev->info.major, dev->info.minor);
		nn_device_close(dev);
		return -1;
	}
	dev->precision = precision;
	return 0;
}

int
nn_device_fallback(nn_device *dev, const char *why)
{
	char w[sizeof dev->why];

	if (!dev->automatic)
		return -1;
	snprintf(w, sizeof w, "cpu (--device auto: %s on the GPU)", why);
	nn_device_close(dev);
	memcpy(dev->why, w, sizeof w);
	dev->precision = NN_PREC_FP32;
	return 0;
}

void
nn_device_close(nn_device *dev)
{
	if (dev->lib)
		dlclose(dev->lib);
	dev->lib = NULL;
	dev->api = NULL;
	dev->kind = NN_DEV_CPU;
}

void
nn_device_describe(const nn_device *dev, char *buf, size_t len)
{
	if (dev->kind != NN_DEV_CUDA) {
		snprintf(buf, len, "cpu");
		return;
	}
	snprintf(buf, len, "cuda:%d (%s, %.1f GiB, compute %d.%d, %s)", dev->index, dev->info.name,
	         (double)dev->info.total / (1024.0 * 1024 * 1024), dev->info.major, dev->info.minor,
	         nn_precision_name(dev->precision));
}

void
nn_device_summary(const nn_device *dev, size_t peak, char *buf, size_t len)
{
	char d[400];

	if (dev->kind != NN_DEV_CUDA) {
		snprintf(buf, len, "%s", dev->why);
		return;
	}
	nn_device_describe(dev, d, sizeof d);
	d[strlen(d) - 1] = 0;   /* the closing parenthesis */
	if (peak)
		snprintf(buf, len, "%s; %s), peak device memory %.1f MiB", d, dev->why, (double)peak / (1024.0 * 1024));
	else
		snprintf(buf, len, "%s; %s)", d, dev->why);
}
