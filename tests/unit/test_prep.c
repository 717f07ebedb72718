/*
 * The preparation imgresize records (libcommon/pipeline/prep.h): the canonical text
 * of a step parses back to the same step, chains keep their order, and text that is
 * no imgresize step is refused with its reason.
 */
#include <string.h>

#include "check.h"
#include "pipeline/prep.h"

static int
same(const prep_opts *a, const prep_opts *b)
{
	return memcmp(&a->r, &b->r, sizeof a->r) == 0 && a->filter == b->filter && a->gray == b->gray &&
	       a->rgb == b->rgb && a->full_decode == b->full_decode && memcmp(a->bg, b->bg, 3) == 0 &&
	       strcmp(a->encode, b->encode) == 0 && (!a->encode[0] || a->quality == b->quality);
}

static void
roundtrip(const prep_opts *p, const char *want)
{
	char text[PREP_TEXT_MAX], err[256] = "";
	prep_opts back[PREP_MAX_STEPS];

	prep_format(p, text, sizeof text);
	CHECK(strcmp(text, want) == 0, "format: '%s' (want '%s')", text, want);
	int n = prep_parse(text, back, PREP_MAX_STEPS, err, sizeof err);
	CHECK(n == 1 && same(p, &back[0]), "'%s' parses back to the same step (%s)", text, err);
}

int
main(void)
{
	prep_opts p, steps[PREP_MAX_STEPS];
	char err[256];

	prep_init(&p);
	p.r = (resize_opts){ .mode = RESIZE_SHORT, .w = 96, .h = 96, .crop_w = 96, .crop_h = 96 };
	p.rgb = 1;
	roundtrip(&p, "--short 96 --crop 96x96 --filter area --rgb");

	prep_init(&p);
	p.r = (resize_opts){ .mode = RESIZE_PAD, .w = 64, .h = 48, .shrink_only = 1 };
	p.filter = RESIZE_LANCZOS3;
	p.gray = 1;
	p.bg[0] = 255, p.bg[1] = 128, p.bg[2] = 1;
	p.full_decode = 1;
	strcpy(p.encode, "jpeg");
	p.quality = 75;
	roundtrip(&p, "--pad 64x48 --shrink-only --filter lanczos3 --gray --background 255,128,1 --full-decode "
	              "--encode jpeg --quality 75");

	prep_init(&p);
	p.r.crop_w = 10, p.r.crop_h = 20;
	strcpy(p.encode, "png");
	roundtrip(&p, "--crop 10x20 --filter area --encode png");

	int n = prep_parse("--short 128 --filter area | --crop 96x96 --filter triangle --rgb", steps,
	                   PREP_MAX_STEPS, err, sizeof err);
	CHECK(n == 2 && steps[0].r.mode == RESIZE_SHORT && steps[0].r.w == 128 && steps[1].r.crop_w == 96 &&
	      steps[1].filter == RESIZE_TRIANGLE && steps[1].rgb && !steps[0].rgb, "two steps, in order");

	static const char *const bad[] = {
		"--short", "--short 0", "--short 96 --fit 10x10", "--crop 96", "--filter cubic",
		"--gray --rgb", "--resize 96", "", "--short 96 |", "--quality 101", "--encode webp",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = 0;
		CHECK(prep_parse(bad[i], steps, PREP_MAX_STEPS, err, sizeof err) == -1 && err[0],
		      "'%s' refused: %s", bad[i], err);
	}
	CHECK(prep_parse("--rgb | --rgb | --rgb", steps, 2, err, sizeof err) == -1, "more steps than room: refused");
	return CHECK_DONE();
}
