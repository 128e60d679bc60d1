package exposition

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	testA     = NewFamily("test_a", "A.", []string{"unit"})
	testB     = NewFamily("test_b", "B.", nil)
	testTable = NewTable(testB, testA)
)

// planOf plans one unit per entry of fps (kind 0, bucket i), each writing
// test_a with its bucket as the label value and its fingerprint as value.
func planOf(source uint8, fps ...uint64) *Plan {
	p := NewPlan(source, []int{len(fps)}, func(set *Set, kind, bucket int) {
		set.Add(testA, float64(fps[bucket]), string(rune('a'+bucket)))
	})
	for b, fp := range fps {
		if fp != 0 {
			p.Set(0, b, fp)
		}
	}
	return p
}

func text(t *testing.T, fs []EncodedFamily) string {
	t.Helper()
	var segs []Segment
	for _, f := range fs {
		segs = append(segs, f.Samples)
	}
	var b bytes.Buffer
	require.NoError(t, WritePlain(&b, segs))
	return b.String()
}

func TestCacheEncodesOnlyUnitsWhoseFingerprintChanged(t *testing.T) {
	t.Parallel()
	c := NewCache(testTable)
	enc := c.Update(planOf(0, 1, 2, 3))
	require.Equal(t, 3, enc.Units)
	require.Equal(t, "test_a{unit=\"a\"} 1\ntest_a{unit=\"b\"} 2\ntest_a{unit=\"c\"} 3\n", text(t, enc.Families))

	enc = c.Update(planOf(0, 1, 5, 3))
	require.Equal(t, 1, enc.Units, "only the changed unit is encoded again")
	require.Equal(t, "test_a{unit=\"a\"} 1\ntest_a{unit=\"b\"} 5\ntest_a{unit=\"c\"} 3\n", text(t, enc.Families))

	enc = c.Update(planOf(0, 1, 0, 3))
	require.Zero(t, enc.Units)
	require.Equal(t, "test_a{unit=\"a\"} 1\ntest_a{unit=\"c\"} 3\n", text(t, enc.Families), "an empty unit is dropped")
}

func TestCacheKeepsSourcesApartAndDropsASourceWithoutAPlan(t *testing.T) {
	t.Parallel()
	c := NewCache(testTable)
	enc := c.Update(planOf(0, 1), planOf(1, 7))
	require.Len(t, enc.Families, 2, "one family per source and kind")
	require.Equal(t, uint8(0), enc.Families[0].Source)
	require.Equal(t, uint8(1), enc.Families[1].Source)
	require.Equal(t, "test_a{unit=\"a\"} 1\ntest_a{unit=\"a\"} 7\n", text(t, enc.Families))

	enc = c.Update(planOf(1, 7))
	require.Zero(t, enc.Units, "source 1's unit is kept")
	require.Equal(t, "test_a{unit=\"a\"} 7\n", text(t, enc.Families), "source 0 sent no plan: its units are gone")
}

func TestPageWritesEachFamilysCommentsOnceSortedByName(t *testing.T) {
	t.Parallel()
	c := NewCache(testTable)
	p := testTable.NewPage()
	for _, src := range []uint8{0, 1} {
		for _, ef := range c.Update(planOf(src, 1)).Families {
			p.Add(&ef)
		}
	}
	var b bytes.Buffer
	require.NoError(t, WritePlain(&b, p.Segments()))
	require.Equal(t, "# HELP test_a A.\n# TYPE test_a gauge\ntest_a{unit=\"a\"} 1\ntest_a{unit=\"a\"} 1\n", b.String())
}
