package deploytest

import (
	"fmt"
	"reflect"
	"time"
)

// newScanValue allocates a destination of the column's scan type.
func newScanValue(typ reflect.Type) any {
	return reflect.New(typ).Interface()
}

// derefString formats what a scan destination holds.
func derefString(p any) string {
	v := reflect.ValueOf(p)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v.Interface())
}
