# What a careful reader sees: man pages that render without quoting mistakes and
# carry the date of their last change, and summary lines with plural agreement.
. tests/lib.sh
LC_ALL=C.UTF-8
export LC_ALL
cd "$T"

# ---- quoting: .Sq/.Ql/.Dq take the rest of the line, so '.Pq Ql a , Ql b' nests
# the second quote inside the first and '.Pq Sq word more words' quotes the words
for m in "$ROOT"/man/*.[15]; do
	n=$(basename "$m")
	mandoc -Tutf8 "$m" | col -b > "$n.txt"
	eq "$n: no quote opened inside a quote" \
		"$(grep -n '‘[^’]*‘\|“[^”]*“' "$n.txt" | head -3)" ""
	eq "$n: no quote that swallows the words after it" \
		"$(grep -nE '^\.(Pq|Po|Op) (Sq|Ql|Dq|Qq) [^ .,;:]+ [a-z]+' "$m" | head -3)" ""
	eq "$n: mandoc -Tlint: no warnings or errors" \
		"$(mandoc -Tlint -Wwarning "$m" 2>&1 | grep -v 'mandoc.db\|referenced manual not found' | head -3)" ""
done
grep -q "(‘unlabelled’ without one)" imgcat.1.txt && pass "imgcat(1): ('unlabelled' without one)" ||
	fail "imgcat(1): $(grep -o '(‘unlabelled[^)]*)' imgcat.1.txt)"
grep -q "(‘score’, ‘label’)" cnneval.1.txt && pass "cnneval(1): ('score', 'label')" ||
	fail "cnneval(1): $(grep -o '(‘score[^)]*)' cnneval.1.txt)"

# ---- .Dd: not earlier than the page's last commit
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	for m in "$ROOT"/man/*.[15]; do
		n=$(basename "$m")
		last=$(git -C "$ROOT" log -1 --format=%cs -- "man/$n")
		[ -n "$last" ] || { skip "$n: not committed yet"; continue; }
		dd=$(date -d "$(sed -n 's/^\.Dd //p' "$m" | head -1)" +%F 2>/dev/null)
		if [ -n "$dd" ] && ! [ "$dd" \< "$last" ]; then pass "$n: .Dd $dd, last change $last"
		else fail "$n: .Dd '$dd' is earlier than its last change, $last"; fi
	done
else
	skip ".Dd dates: not a git checkout"
fi

# ---- cnntrain(1): the weights are reproducible; the file's created= is not
eq "cnntrain(1): not 'the same model, bit for bit'" "$(tr -s ' \n\t' '   ' < cnntrain.1.txt | grep -c 'same model, bit for bit')" 0
eq "cnntrain(1): 'the same weights, bit for bit'" "$(tr -s ' \n\t' '   ' < cnntrain.1.txt | grep -c 'same weights, bit for bit')" 1

# ---- summary lines agree in number
/usr/bin/convert -size 8x8 xc:red one.png
imgcat -v one.png > one.tsr 2> err
eq "imgcat -v: 1 record in" "$(grep -c '^imgcat: 1 record in, 1 out, 0 skipped, ' err)" 1
imgcat -v one.png one.png > two.tsr 2> err
eq "imgcat -v: 2 records in" "$(grep -c '^imgcat: 2 records in, 2 out, ' err)" 1
imgdedup -v one.tsr > /dev/null 2> err
eq "imgdedup -v: 1 record, 0 duplicates" "$(grep -c '^imgdedup: 1 record, 0 duplicates, 0 skipped$' err)" 1
eq "imgdedup -v: its summary, 1 record in" "$(grep -c '^imgdedup: 1 record in, 1 out, ' err)" 1
imgdedup -v two.tsr > /dev/null 2> err
eq "imgdedup -v: 2 records, 1 duplicate" "$(grep -c '^imgdedup: 2 records, 1 duplicate, 0 skipped$' err)" 1
done_tests
