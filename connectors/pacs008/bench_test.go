package pacs008

import (
	"testing"

	"github.com/socwatch/socwatch/engine"
)

func BenchmarkDecodeCBPRPlus(b *testing.B) {
	data := readFixture(b, "cbprplus-ballerina/CBPR__c.105.1.1_pacs.008_AtoB.xml")
	var d Decoder
	var tx engine.Tx
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(data, &tx); err != nil {
			b.Fatal(err)
		}
	}
}
