package hssclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// The UnmarshalJSON methods of rows decode every 64-bit count through count,
// so 3.0 or "12" is read as the integer it is; everything else decodes as
// the plain struct would. A field that still cannot be read is named in the
// error, never quoted.

// stream returns the decoder of a page asked for at offset.
func (p *ContainerPage) stream(offset int64) *pageStream[Container] {
	return &pageStream[Container]{offset: offset, total: &p.TotalNum, rows: &p.DataList}
}

// A container row's entry_point (its start command line) is dropped here,
// at decoding: Container has no field for it, so it is skipped as the row
// is read and never held. It may carry passwords, and nothing reads it.

// stream returns the decoder of a page asked for at offset.
func (p *ImagePage) stream(offset int64) *pageStream[LocalImage] {
	return &pageStream[LocalImage]{offset: offset, total: &p.TotalNum, rows: &p.DataList}
}

// UnmarshalJSON implements json.Unmarshaler with the rules of the client:
// total_num and data_list are required, the start command is dropped.
func (p *ContainerPage) UnmarshalJSON(b []byte) error { return unmarshalPage(b, p.stream(-1)) }

// UnmarshalJSON implements json.Unmarshaler with the rules of the client:
// total_num and data_list are required.
func (p *ImagePage) UnmarshalJSON(b []byte) error { return unmarshalPage(b, p.stream(-1)) }

func unmarshalPage(b []byte, page answerDecoder) error {
	eb, err := page.decodeAnswer(json.NewDecoder(bytes.NewReader(b)))
	var decErr *DecodeError
	switch {
	case errors.As(err, &decErr):
		return decErr.Err
	case err != nil:
		return safeJSONError(err)
	case eb != nil:
		return errors.New("an error answer (error_code is set), not a page")
	}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler. A null row stays the zero
// LocalImage, which the pagers skip.
func (img *LocalImage) UnmarshalJSON(b []byte) error {
	type plain LocalImage
	var v struct {
		plain
		ImageSize        count  `json:"image_size"`
		LatestUpdateTime count  `json:"latest_update_time"`
		LatestScanTime   count  `json:"latest_scan_time"`
		VulNum           count  `json:"vul_num"`
		UnsafeSettingNum count  `json:"unsafe_setting_num"`
		MaliciousFileNum count  `json:"malicious_file_num"`
		HostNum          count  `json:"host_num"`
		ContainerNum     *count `json:"container_num"` // nil: null or absent
		ComponentNum     count  `json:"component_num"`
	}
	if string(b) == "null" {
		return nil
	}
	if err := unmarshalCounts(b, &v); err != nil {
		return err
	}
	*img = LocalImage(v.plain)
	img.ImageSize, img.LatestUpdateTime, img.LatestScanTime = int64(v.ImageSize), int64(v.LatestUpdateTime), int64(v.LatestScanTime)
	img.VulNum, img.UnsafeSettingNum, img.MaliciousFileNum = int64(v.VulNum), int64(v.UnsafeSettingNum), int64(v.MaliciousFileNum)
	img.HostNum, img.ComponentNum = int64(v.HostNum), int64(v.ComponentNum)
	if v.ContainerNum != nil {
		img.ContainerNum = int64(*v.ContainerNum)
	} else {
		img.ContainerNumUnknown = true
	}
	return nil
}

// unmarshalCounts decodes b into v, a struct embedding the plain type as
// "plain", and keeps that embedding out of the field path of an error.
func unmarshalCounts(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		typeErr.Field = strings.ReplaceAll(strings.TrimPrefix(typeErr.Field, "plain."), ".plain.", ".")
	}
	return err
}
