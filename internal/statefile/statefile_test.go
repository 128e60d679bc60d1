package statefile

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

func TestStateFileIsReplacedWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "x.state.json.gz")
	require.NoError(t, Write(path, &Target{Format: Format, Version: Version, Target: "x"}))
	require.NoError(t, Write(path, &Target{Format: Format, Version: Version, Target: "y"}))
	s, err := Read(path, acceptAnyState())
	require.NoError(t, err)
	require.Equal(t, "y", s.Target)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")
}

// acceptAnyState reads a state file without a target to check it against.
func acceptAnyState() Restorer {
	return Restorer{Head: func(*Target) error { return nil }, Image: func(Image) error { return nil },
		Row: func(c hssclient.Container) hssclient.Container { return c }}
}

// A state file written before reading became a stream (testdata, 6 images
// and 40 rows of the stand-in's fleet) is read whole: the format did not
// change.
func TestStateFileOfVersionOneIsReadWhole(t *testing.T) {
	t.Parallel()
	var images, rows int
	read := acceptAnyState()
	read.Image = func(img Image) error {
		images++
		rows += len(img.Rows)
		require.True(t, img.Listed)
		require.NotEmpty(t, img.Name)
		require.NotNil(t, img.Info)
		return nil
	}
	read.Row = func(c hssclient.Container) hssclient.Container {
		require.NotEmpty(t, c.ContainerID)
		require.NotEmpty(t, c.HostID)
		return c
	}
	s, err := Read("testdata/state-v1.json.gz", read)
	require.NoError(t, err)
	require.Equal(t, Format, s.Format)
	require.Equal(t, 1, s.Version)
	require.Equal(t, "demo", s.Target)
	require.Equal(t, 6, s.ImagesOwned)
	require.Equal(t, []int{6, 40}, []int{images, rows})
}

// A state file is written in its own types, version 2, and reads back as
// it was kept.
func TestStateFileIsWrittenInItsOwnFormat(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.state.json.gz")
	kept := Image{Name: "nginx", Version: "1.25", Digest: "sha256:aaa", Call: true, Listed: true, ListedNum: 1,
		Info:  &hssclient.LocalImage{ImageName: "nginx", ImageVersion: "1.25", ContainerNum: 1, VulNum: 3},
		Query: hssclient.ListContainersRequest{ImageName: "nginx", ImageVersion: "1.25"},
		Rows:  []hssclient.Container{{ContainerID: "c1", HostID: "h1"}}}
	require.NoError(t, Write(path, &Target{Format: Format, Version: Version, Target: "x",
		Images: []Image{kept}}))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	text, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Contains(t, string(text), `"version":2`)

	var got []Image
	read := acceptAnyState()
	read.Image = func(img Image) error { got = append(got, img); return nil }
	_, err = Read(path, read)
	require.NoError(t, err)
	require.Equal(t, []Image{kept}, got)
}
