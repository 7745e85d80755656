// Arrays from Python travel as {dtype, shape, buffer}: in a widget's state the buffer is a
// DataView (ipywidgets' binary transfer), in a patch message an index into the message's
// buffers. These turn them into typed arrays without copying, and back.

const TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  uint8: Uint8Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

/** Typed array view of a packed array ({dtype, shape, buffer}); `buffers` resolves an index. */
export function unpack(packed, buffers = []) {
  const Type = TYPES[packed.dtype];
  if (!Type) throw new Error(`unsupported dtype ${packed.dtype}`);
  const view = typeof packed.buffer === "number" ? buffers[packed.buffer] : packed.buffer;
  const buffer = view.buffer ?? view;
  const offset = view.byteOffset ?? 0;
  const length = (view.byteLength ?? buffer.byteLength) / Type.BYTES_PER_ELEMENT;
  if (offset % Type.BYTES_PER_ELEMENT === 0) return new Type(buffer, offset, length);
  return new Type(buffer.slice(offset, offset + length * Type.BYTES_PER_ELEMENT));
}

/** A packed array (as a widget's state holds it) from a typed array. */
export function pack(array, shape) {
  const dtype = Object.keys(TYPES).find((k) => array instanceof TYPES[k]);
  return { dtype, shape, buffer: new DataView(array.buffer, array.byteOffset, array.byteLength) };
}

/** A typed array of `length` elements of the same type as `like`, filled with `fill`. */
export function allocate(like, length, fill) {
  const out = new like.constructor(length);
  if (fill !== undefined) out.fill(fill);
  return out;
}
