package hssclient

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/stretchr/testify/require"
)

func TestCountsInOtherJSONShapesAreRead(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, row string
		want      LocalImage
		err       string // "" means it decodes
	}{
		{"float with zero fraction", `{"image_name":"a","vul_num":3.0,"container_num":2.0}`, LocalImage{ImageName: "a", VulNum: 3, ContainerNum: 2}, ""},
		{"exponent", `{"image_name":"a","image_size":1.5e3}`, LocalImage{ImageName: "a", ImageSize: 1500, ContainerNumUnknown: true}, ""},
		{"numeric string", `{"image_name":"a","vul_num":"7","host_num":" 4 "}`, LocalImage{ImageName: "a", VulNum: 7, HostNum: 4, ContainerNumUnknown: true}, ""},
		{"empty string and null", `{"image_name":"a","vul_num":"","host_num":null}`, LocalImage{ImageName: "a", ContainerNumUnknown: true}, ""},
		{"negative stays as sent", `{"image_name":"a","vul_num":-1}`, LocalImage{ImageName: "a", VulNum: -1, ContainerNumUnknown: true}, ""},
		{"fraction is refused", `{"image_name":"a","vul_num":3.5}`, LocalImage{}, `"data_list.vul_num"`},
		{"beyond int64 is refused", `{"image_name":"a","image_size":99999999999999999999}`, LocalImage{}, `"data_list.image_size"`},
		{"word is refused", `{"image_name":"a","container_num":"LEAKME"}`, LocalImage{}, `"data_list.container_num"`},
		{"2^63 as a float is refused", `{"image_name":"a","image_size":9.223372036854775808e18}`, LocalImage{}, `"data_list.image_size"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"total_num": 1.0, "data_list": [` + tc.row + `]}`
			c, _ := newTestClient(t, rawHandler(200, body), func(cfg *Config) { cfg.MaxRetries = -1 })
			page, err := c.ListImageLocal(context.Background(), ListImagesRequest{})
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.NotContains(t, err.Error(), "LEAKME")
				return
			}
			require.NoError(t, err)
			require.Equal(t, int64(1), page.TotalNum)
			require.Equal(t, []LocalImage{tc.want}, page.DataList)
		})
	}
}

func TestNullRowsAreNoContainersOrImages(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, rawHandler(200, `{"total_num": 3, "data_list": [null, {}, {"container_id": "c1"}]}`), nil)
	var got []Container
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{}, func(row Container) error {
		got = append(got, row)
		return nil
	}))
	require.Equal(t, []Container{{ContainerID: "c1"}}, got)

	c, _ = newTestClient(t, rawHandler(200, `{"total_num": 2, "data_list": [null, {"image_name": "a"}]}`), nil)
	var images []LocalImage
	require.NoError(t, c.EachImage(context.Background(), ListImagesRequest{}, func(img LocalImage) error {
		images = append(images, img)
		return nil
	}))
	require.Equal(t, []LocalImage{{ImageName: "a", ContainerNumUnknown: true}}, images)
}

// TestContainerNumNullOrAbsentIsUnknown: the collector skips images HSS
// reports with container_num 0, so null or absent must not read as 0.
func TestContainerNumNullOrAbsentIsUnknown(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]LocalImage{
		`{"container_num": 0}`:    {},
		`{"container_num": 3}`:    {ContainerNum: 3},
		`{"container_num": "3"}`:  {ContainerNum: 3},
		`{"container_num": null}`: {ContainerNumUnknown: true},
		`{}`:                      {ContainerNumUnknown: true},
	} {
		var got LocalImage
		require.NoError(t, json.Unmarshal([]byte(body), &got), body)
		require.Equal(t, want, got, body)
	}
}

func TestHostileImageBodiesFailClearly(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, rawHandler(200, `{"total_num": 1, "data_list": [{"vul_num": 1e30}]}`), nil)
	_, err := c.ListImageLocal(context.Background(), ListImagesRequest{})
	var decodeErr *transport.DecodeError
	require.ErrorAs(t, err, &decodeErr)
	require.ErrorContains(t, err, "vul_num")
}
