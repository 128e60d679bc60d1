package inventory

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
)

func TestLongestImagesAreListedFirst(t *testing.T) {
	t.Parallel()
	img := func(n int64) *hssclient.LocalImage { return &hssclient.LocalImage{ContainerNum: n} }
	tg := &Source{cat: catalog{images: map[string]*image{}}}
	for i, info := range []*hssclient.LocalImage{img(3), nil, img(10), img(0), img(3)} {
		im := &image{ref: imageRef{key: fmt.Sprint(i), info: info, call: true}}
		tg.cat.order = append(tg.cat.order, im)
	}
	var got []string
	for {
		p, ok, _ := tg.take(time.Now())
		if !ok {
			break
		}
		got = append(got, p.img.ref.key)
	}
	require.Equal(t, []string{"1", "2", "0", "4", "3"}, got,
		"unknown size first, then by containers; ties keep discovery order")
}
