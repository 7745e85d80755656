// Arrays from Python travel as {dtype, shape, buffer} with the buffer a DataView
// (ipywidgets binary transfer); this turns them into typed arrays without copying.

const TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  uint8: Uint8Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

/** Typed array view of a packed array ({dtype, shape, buffer}). */
export function unpack(packed) {
  const Type = TYPES[packed.dtype];
  if (!Type) throw new Error(`unsupported dtype ${packed.dtype}`);
  const view = packed.buffer;
  const buffer = view.buffer ?? view;
  const offset = view.byteOffset ?? 0;
  const length = (view.byteLength ?? buffer.byteLength) / Type.BYTES_PER_ELEMENT;
  if (offset % Type.BYTES_PER_ELEMENT === 0) return new Type(buffer, offset, length);
  return new Type(buffer.slice(offset, offset + length * Type.BYTES_PER_ELEMENT));
}

/** A packed array (for a local model.set) from a typed array. */
export function pack(array, shape) {
  const dtype = Object.keys(TYPES).find((k) => array instanceof TYPES[k]);
  return { dtype, shape, buffer: new DataView(array.buffer, array.byteOffset, array.byteLength) };
}
