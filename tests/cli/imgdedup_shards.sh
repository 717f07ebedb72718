# imgdedup over shards (issue 22): --hashes per shard, --groups over all the
# tables, --apply per shard give what one imgdedup over all the shards gives.
. tests/lib.sh
LC_ALL=C
export LC_ALL
cd "$T"
sh "$ROOT/tests/dedup_corpus.sh" c small
imgcat c > all.tsr
check "three shards" imgcat --shard 3 -o s-%d.tsr all.tsr

# The split run against the single one, for a set of options; the kept ids in
# their order, and the report, must be the same.
split_vs_single() {
	name=$1
	shift
	rm -f h?.tsv dec.tsv gr.tsv o?.tsr one.tsv
	for i in 0 1 2; do imgdedup "$@" --hashes -o h$i.tsv s-$i.tsr; done
	imgdedup "$@" --groups --report gr.tsv -o dec.tsv h0.tsv h1.tsv h2.tsv
	for i in 0 1 2; do imgdedup --apply dec.tsv -o o$i.tsr s-$i.tsr; done
	imgdedup "$@" --report one.tsv s-0.tsr s-1.tsr s-2.tsr > one.tsr
	check "$name: the split run wrote its outputs" test -s o0.tsr -a -s o1.tsr -a -s o2.tsr -a -s gr.tsv
	imgcat -l one.tsr | cut -f1 > want.ids
	imgcat -l o0.tsr o1.tsr o2.tsr | cut -f1 > got.ids
	same "$name: the kept ids, in order" got.ids want.ids
	same "$name: the report" gr.tsv one.tsv
	eq "$name: some were dropped" "$(($(imgcat -c all.tsr) > $(wc -l < got.ids)))" 1
}
split_vs_single "defaults"
split_vs_single "--keep largest --flips" --keep largest --flips
split_vs_single "--pixels --keep highest-resolution" --pixels --keep highest-resolution
split_vs_single "--hash dhash --threshold 4" --hash dhash --threshold 4

# the tables: a few dozen bytes a record, a header naming the hash
imgdedup --hashes -o h.tsv s-0.tsr
eq "--hashes: the header" "$(head -1 h.tsv)" "$(printf 'id\tbytes\tpixels\tsha256\tphash')"
eq "--hashes: one line a record" "$(($(wc -l < h.tsv) - 1))" "$(imgcat -c s-0.tsr)"
eq "--hashes: under 100 bytes a line here" "$(awk 'length($0) >= 100' h.tsv | wc -l)" 0
eq "--groups: decisions keep or drop" "$(tail -n +2 dec.tsv | cut -f2 | sort -u | tr '\n' ' ')" "drop keep "

# mismatches and misuse
expect_status "--groups: tables made with other options, exit 1" 1 imgdedup --groups --flips h.tsv
expect_err "--groups: tables made with other options, said" "not a table of hashes made with the same"
cp h.tsv twice.tsv
expect_status "--groups: an id twice, exit 1" 1 imgdedup --groups h.tsv twice.tsv
expect_err "--groups: an id twice, said" "is there twice"
head -3 dec.tsv > short.tsv
expect_status "--apply: a record not in the decisions is skipped, exit 1" 1 \
	sh -c 'imgdedup --apply short.tsv s-0.tsr > sk.tsr 2> sk.err'
eq "--apply: the skip names the record" "$(grep -c 'record [0-9]* (id .*): not in the decisions' sk.err)" \
	"$(($(imgcat -c s-0.tsr) - $(tail -n +2 short.tsv | grep -c -F "$(imgcat -l s-0.tsr | cut -f1)")))"
expect_status "--hashes with --check is a usage error" 2 imgdedup --hashes --check s-0.tsr
expect_status "--apply with --report is a usage error" 2 imgdedup --apply dec.tsv --report x s-0.tsr
done_tests
