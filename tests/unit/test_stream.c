#include <string.h>
#include "check.h"
#include "tstream.h"
int main(void){
	FILE *f = tmpfile(); ts_writer *w = ts_writer_open(f, "tmp", 3); ts_record r; ts_record_init(&r);
	for (int i = 0; i < 3; i++) { ts_setf(&r, "id", "%d", i); uint64_t d[3]={2,2,3}; unsigned char px[12]={1,2,3}; ts_tensor_put(&r,"image",TS_U8,3,d,px,12); ts_write(w,&r); ts_record_clear(&r);} 
	CHECK(ts_writer_close(w)==0, "close"); ts_writer_free(w); rewind(f);
	ts_reader *rd = ts_reader_open(f, "tmp"); int n=0, rc;
	while ((rc = ts_read(rd, &r)) == 1) { n++; }
	CHECK(rc==0, "clean end %s", ts_reader_error(rd)); CHECK(n==3, "3 records");
	ts_reader_free(rd); ts_record_free(&r); fclose(f);
	return CHECK_DONE();
}
