/* File names from record text (libcommon/pipeline/names.h): imgcat --export, cnnpredict --masks. */
#include <string.h>

#include "check.h"
#include "pipeline/names.h"

static const char *
safe(const char *s)
{
	static char out[NAME_MAX_BYTES + 1];

	name_safe(s, "record", out, sizeof out);
	return out;
}

static void
test_safe(void)
{
	char longs[400], small[8];
	const char *r;

	CHECK(strcmp(safe("cat"), "cat") == 0, "plain ASCII kept");
	CHECK(strcmp(safe("my label+1 (a),b@c:d"), "my label+1 (a),b@c:d") == 0, "spaces and punctuation kept");
	CHECK(strcmp(safe("猫"), "猫") == 0 && strcmp(safe("犬"), "犬") == 0, "UTF-8 kept: 猫 and 犬 differ");
	CHECK(strcmp(safe("Zoë 🐈"), "Zoë 🐈") == 0, "2- and 4-byte UTF-8 kept");
	CHECK(strcmp(safe("a/b"), "a_b") == 0, "slash escaped");
	CHECK(strcmp(safe("../../up"), "_.._.._up") == 0, "no climbing out");
	CHECK(strcmp(safe(".hidden"), "_.hidden") == 0, "leading dot escaped");
	CHECK(strcmp(safe("."), "_.") == 0 && strcmp(safe(".."), "_..") == 0, ". and .. escaped");
	CHECK(strcmp(safe("a\tb\nc\x7f" "d"), "a_b_c_d") == 0, "C0 controls and DEL escaped");
	CHECK(strcmp(safe("a\xc2\x85" "b"), "a_b") == 0, "C1 control (U+0085) escaped as one character");
	CHECK(strcmp(safe("a\xc2\xa0" "b"), "a\xc2\xa0" "b") == 0, "U+00A0 is no control character");
	CHECK(strcmp(safe("bad\xff\xfe"), "bad__") == 0, "invalid bytes escaped one by one");
	CHECK(strcmp(safe("\xc0\xaf"), "__") == 0, "overlong '/' escaped");
	CHECK(strcmp(safe("\xed\xa0\x80"), "___") == 0, "surrogate escaped");
	CHECK(strcmp(safe("\xf4\x90\x80\x80"), "____") == 0, "above U+10FFFF escaped");
	CHECK(strcmp(safe("\xe7\x8c"), "__") == 0, "cut sequence escaped");
	CHECK(strcmp(safe(""), "record") == 0, "empty: the fallback");
	memset(longs, 'a', sizeof longs);
	longs[sizeof longs - 1] = '\0';
	CHECK(strlen(safe(longs)) == NAME_MAX_BYTES, "cut to NAME_MAX_BYTES");
	for (size_t i = 0; i + 3 < sizeof longs; i += 3)
		memcpy(longs + i, "猫", 3);
	longs[sizeof longs - 1 - (sizeof longs - 1) % 3] = '\0';
	r = safe(longs);
	CHECK(strlen(r) == NAME_MAX_BYTES - NAME_MAX_BYTES % 3 && strlen(r) % 3 == 0,
	      "cut at a character boundary (%zu bytes)", strlen(r));
	name_safe("猫猫猫", "x", small, sizeof small);
	CHECK(strcmp(small, "猫猫") == 0, "a small buffer: whole characters only");
}

static void
test_strip(void)
{
	char a[] = "x.PNG", b[] = "x.tar.jpeg", c[] = ".png", d[] = "x.png@aug1";

	name_strip_image_ext(a);
	name_strip_image_ext(b);
	name_strip_image_ext(c);
	name_strip_image_ext(d);
	CHECK(strcmp(a, "x") == 0 && strcmp(b, "x.tar") == 0, "image extensions dropped");
	CHECK(strcmp(c, ".png") == 0 && strcmp(d, "x.png@aug1") == 0, "others kept");
}

static void
test_claim(void)
{
	static const char *const png[] = { ".png", NULL }, *const withmask[] = { ".png", "-mask.png", NULL };
	static const char *const bare[] = { "", NULL };
	name_set s;
	char out[64];

	name_set_init(&s);
	CHECK(name_claim(&s, "", "a", png, out, sizeof out) == 1 && strcmp(out, "a") == 0, "first: the base");
	CHECK(name_claim(&s, "", "a", png, out, sizeof out) == 2 && strcmp(out, "a-2") == 0, "second: -2");
	CHECK(name_claim(&s, "d/", "a", png, out, sizeof out) == 1, "another folder: free");
	CHECK(name_claim(&s, "", "a-mask", png, out, sizeof out) == 1, "a-mask.png is free");
	CHECK(name_claim(&s, "", "a", withmask, out, sizeof out) == 3 && strcmp(out, "a-3") == 0,
	      "an image and its mask: both free");
	CHECK(name_claim(&s, "", "a-3", png, out, sizeof out) == 2, "a mask's name is taken");
	name_set_take(&s, "index.tsv");
	CHECK(name_claim(&s, "", "index.tsv", bare, out, sizeof out) == 2 && strcmp(out, "index.tsv-2") == 0,
	      "a reserved name is avoided");
	name_set_free(&s);
}

int
main(void)
{
	test_safe();
	test_strip();
	test_claim();
	return CHECK_DONE();
}
