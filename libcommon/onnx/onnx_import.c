/* ONNX models in (onnx.h): not yet. */
#include "onnx/onnx.h"
#include "util/util.h"

int
onnx_sniff(const unsigned char *buf, size_t len)
{
	return len >= 2 && buf[0] == 0x08;
}

int
onnx_import(const unsigned char *buf, size_t len, const onnx_import_opts *o, ts_record *rec, char *err,
            size_t errlen)
{
	(void)buf; (void)len; (void)o; (void)rec;
	return errorf(err, errlen, "ONNX import is not available yet");
}
