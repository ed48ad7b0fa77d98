//! Reading fields of a (normalized) request body by JSON pointer.

use serde_json::Value;

/// The string at `pointer`, trimmed, if present and not blank.
pub(crate) fn text<'a>(body: &'a Value, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer).and_then(Value::as_str).map(str::trim).filter(|text| !text.is_empty())
}

/// Whether anything is present at `pointer` (UPS "indicator" elements are present-or-absent;
/// their value, often `""`, does not matter).
pub(crate) fn present(body: &Value, pointer: &str) -> bool {
    body.pointer(pointer).is_some_and(|value| !value.is_null())
}

/// The array at `pointer` (normalized requests hold arrays wherever the spec declares them).
pub(crate) fn array<'a>(body: &'a Value, pointer: &str) -> &'a [Value] {
    body.pointer(pointer).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// The non-blank strings of the array at `pointer`.
pub(crate) fn lines(body: &Value, pointer: &str) -> Vec<String> {
    array(body, pointer)
        .iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}
