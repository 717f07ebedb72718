# libcommon's folders include each other only downwards (tests/layering.sh, libcommon/README).
. tests/lib.sh
LAYER="$ROOT/tests/layering.sh"

check "libcommon: every include goes to its own folder or a lower level" sh "$LAYER" "$ROOT/libcommon"

# The checker itself: a copy of the tree with one wrong include at a time must fail, naming it.
wrong() { # NAME FILE LINE PATTERN
	rm -rf "$T/lc" && cp -r "$ROOT/libcommon" "$T/lc" && printf '%s\n' "$3" >>"$T/lc/$2"
	expect_status "$1: refused" 1 sh "$LAYER" "$T/lc"
	if grep -q "$2.*$4" "$T/.out"; then pass "$1: named"; else fail "$1: named: $(head -c 300 "$T/.out")"; fi
}
wrong "util/ including plot/ (upwards)" util/util.c '#include "plot/plot.h"' 'util/ (level 0) may not include plot/'
wrong "image/ including resize/ (upwards)" image/image_png.c '#include "resize/resize.h"' 'may not include resize/'
wrong "tile/ including aug/ (same level)" tile/tile_grid.c '#include "aug/aug.h"' 'tile/ (level 3) may not include aug/ (level 3)'
wrong "nn/layers/ including metrics/" nn/layers/layer_relu.c '#include "metrics/metrics_sum.h"' 'may not include metrics/'
wrong "an internal header of another folder" nn/nn_data.c '#include "stream/tstream_int.h"' 'internal header of stream/'
wrong "a bare name from another folder" aug/aug_run.c '#include "tstream.h"' 'internal header not in aug/'
wrong "cmd/ from libcommon" pipeline/stage.c '#include "../../cmd/imgcat.c"' 'reaches outside libcommon'
rm -rf "$T/lc" && cp -r "$ROOT/libcommon" "$T/lc" && mkdir "$T/lc/gpu" && echo 'int x;' >"$T/lc/gpu/a.c"
expect_status "a folder missing from the README's table: refused" 1 sh "$LAYER" "$T/lc"
rm -rf "$T/lc" && cp -r "$ROOT/libcommon" "$T/lc" && echo 'int x;' >"$T/lc/loose.c"
expect_status "a file outside any folder: refused" 1 sh "$LAYER" "$T/lc"
rm -rf "$T/lc" && cp -r "$ROOT/libcommon" "$T/lc" && printf '%s\n' '#include "stream/tstream.h"' >>"$T/lc/plot/plot.c"
expect_status "a lawful downward include added: still accepted" 0 sh "$LAYER" "$T/lc"
done_tests
