package hssfake

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestListImageLocalReportsImageLocalInfo(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	resp := get(t, s, clock, imagesPath, rawQuery("image_name", "ngin", "limit", "10"))
	require.Equal(t, 200, resp.status)
	require.JSONEq(t, `{"total_num":1,"data_list":[{
		"image_name":"nginx","image_id":"img-a","image_digest":"sha256:aaa","image_version":"1.25.3",
		"local_image_type":"other_image","scan_status":"success","image_size":196083712,
		"latest_update_time":1795165200000,"latest_scan_time":1795168800000,
		"vul_num":8589934592,"unsafe_setting_num":0,"malicious_file_num":0,
		"host_num":2,"container_num":3,"component_num":12,"severity_level":"High"}]}`, string(resp.body))
}

func TestListImageLocalFilters(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, smallFleet()))
	names := func(q string) []string {
		var page imagePage
		get(t, s, clock, imagesPath, q).decode(t, &page)
		require.Len(t, page.DataList, int(page.TotalNum))
		out := []string{}
		for _, img := range page.DataList {
			out = append(out, img.ImageName)
		}
		return out
	}
	cart := "swr.cn-north-4.myhuaweicloud.com/shop/cart"
	require.Equal(t, []string{"nginx", cart, "redis"}, names(""))
	require.Equal(t, []string{"nginx", cart}, names("has_container=true"))
	require.Equal(t, []string{"redis"}, names("has_container=false"))
	require.Equal(t, []string{"nginx"}, names("has_vul=true"))
	require.Equal(t, []string{cart}, names("local_image_type=swr_image"))
	require.Equal(t, []string{"nginx", cart}, names("host_name=node-2"))
	require.Equal(t, []string{"nginx"}, names("container_id=c3"))
	require.Equal(t, []string{"redis"}, names("image_version=7"))
	require.Equal(t, []string{"nginx", cart, "redis", "secret-app"}, names("enterprise_project_id=all_granted_eps"))

	// HSS's own container_num may disagree with its listing; has_container
	// follows the reported number.
	require.True(t, s.Fleet().SetReportedContainerNum("img-c", 5))
	var page imagePage
	get(t, s, clock, imagesPath, "image_name=redis").decode(t, &page)
	require.EqualValues(t, 5, page.DataList[0].ContainerNum)
	require.EqualValues(t, 0, page.DataList[0].HostNum)
	require.Equal(t, []string{"nginx", cart, "redis"}, names("has_container=true"))
}

func TestListImageLocalPaging(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := startServer(t, testOptions(clock, Generate(GenerateOptions{Seed: 3, Containers: 1000, Images: 45})))
	truth := s.Fleet().Truth("")
	seen := map[string]bool{}
	for offset := 0; ; offset += 20 {
		var page imagePage
		get(t, s, clock, imagesPath, rawQuery("offset", itoa(offset), "limit", "20")).decode(t, &page)
		require.EqualValues(t, len(truth.Images), page.TotalNum)
		for _, img := range page.DataList {
			require.False(t, seen[img.ImageID])
			seen[img.ImageID] = true
			require.EqualValues(t, truth.Images[ImageKey{img.ImageName, img.ImageVersion, img.ImageDigest}], img.ContainerNum)
		}
		if len(page.DataList) < 20 {
			break
		}
	}
	require.Len(t, seen, len(truth.Images))
}
