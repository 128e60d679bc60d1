package hssclient

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// Pages are decoded as a stream (stream.go), their rows by the rules of
// decodeWire (wire.go). A field that cannot be read is named in the error,
// never quoted.

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
	var decErr *transport.DecodeError
	switch {
	case errors.As(err, &decErr):
		return decErr.Err
	case err != nil:
		return transport.SafeJSONError(err)
	case eb != nil:
		return errors.New("an error answer (error_code is set), not a page")
	}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler by the rules of decodeWire. A
// null row stays the zero LocalImage, which the pagers skip.
func (img *LocalImage) UnmarshalJSON(b []byte) error { return decodeWire(b, img) }
