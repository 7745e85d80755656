// The one live-update protocol of every widget (the Python side is widgets/_base.py and
// widgets/_wire.py). A widget's per-window data is a set of columnar tables, the `_tables`
// state; a live change arrives as one custom message {type: "patch", revision, ops} whose
// operations splice rows from a position or scatter values into a column. Each model has one
// store, made by the widget's `initialize` (once per model, even while no view shows it),
// that applies every patch once and tells the views.
import { allocate, pack, unpack } from "./binary.js";

// Stores by the model's `_tables` value: the one object every view of a model reads.
const STORES = new WeakMap();

/** Rows per entry of a column (a [windows, features] grid has `features` per row). */
function stride(shape) {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

function readColumn(wire, buffers) {
  if (Array.isArray(wire)) return { data: wire.slice(), shape: [wire.length], text: true };
  return { data: unpack(wire, buffers), shape: wire.shape.slice(), text: false };
}

class TableStore {
  constructor(model) {
    this.model = model;
    this.listeners = new Set();
    this.read();
    model.on("change:_tables", () => {
      this.read();
      this.emit({ reset: true, ops: [] });
    });
    model.on("msg:custom", (msg, buffers) => {
      if (msg && msg.type === "patch") this.apply(msg, buffers || []);
    });
  }

  read() {
    const state = this.model.get("_tables") || { revision: 0, tables: {} };
    if (typeof state === "object") STORES.set(state, this);
    this.revision = state.revision || 0;
    this.tables = {};
    for (const [name, table] of Object.entries(state.tables || {})) {
      const columns = {};
      for (const [key, wire] of Object.entries(table.columns)) columns[key] = readColumn(wire, []);
      this.tables[name] = { length: table.length, columns };
    }
  }

  /** The column `key` of table `name`: {data, shape, text} (undefined if absent). */
  column(name, key) {
    return this.tables[name]?.columns[key];
  }

  /** Rows of table `name`. */
  length(name) {
    return this.tables[name]?.length ?? 0;
  }

  apply(msg, buffers) {
    const applied = [];
    for (const op of msg.ops) {
      const table = this.tables[op.table];
      if (!table) continue;
      if (op.op === "splice") {
        for (const [key, wire] of Object.entries(op.columns)) {
          const incoming = readColumn(wire, buffers);
          const column = table.columns[key];
          if (column.text) {
            column.data = column.data.slice(0, op.start).concat(incoming.data);
            column.shape = [column.data.length];
          } else {
            const per = stride(column.shape);
            const grown = allocate(column.data, op.start * per + incoming.data.length);
            grown.set(column.data.subarray(0, op.start * per));
            grown.set(incoming.data, op.start * per);
            column.data = grown;
            column.shape = [op.start + incoming.shape[0], ...column.shape.slice(1)];
          }
          table.length = column.shape[0];
        }
        applied.push({ table: op.table, op: op.op, start: op.start });
      } else if (op.op === "scatter") {
        const column = table.columns[op.column];
        const index = unpack(op.index, buffers);
        const values = unpack(op.values, buffers);
        for (let k = 0; k < index.length; k++) column.data[index[k]] = values[k];
        applied.push({ table: op.table, op: op.op, column: op.column, index });
      }
    }
    this.revision = msg.revision;
    keepModelCurrent(this.model, this.wire());
    this.emit({ reset: false, ops: applied });
  }

  /** The tables as the model holds them (packed columns). */
  wire() {
    const tables = {};
    for (const [name, table] of Object.entries(this.tables)) {
      const columns = {};
      for (const [key, column] of Object.entries(table.columns)) {
        columns[key] = column.text ? column.data.slice() : pack(column.data, column.shape);
      }
      tables[name] = { length: table.length, columns };
    }
    return { revision: this.revision, tables };
  }

  emit(change) {
    for (const listener of this.listeners) listener(change);
  }

  /**
   * Call `listener({reset, ops})` after every change (ops: {table, op: "splice", start} or
   * {table, op: "scatter", column, index}); returns the function that stops it.
   */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Keep the model's `_tables` value current after a patch, so that the notebook's saved
 * widget state and a view opened later show the patched data. The value object is updated
 * in place: model.set() would queue the whole value to be echoed to the kernel with the
 * next edit (1.3 MB for 200 features x 365 days). This is the one place that relies on
 * that; a browser test fails if the saved state stops following the patches.
 */
export function keepModelCurrent(model, value) {
  const target = model.get("_tables");
  if (!target) return;
  target.revision = value.revision;
  target.tables = value.tables;
}

/** The table store of `model`, shared by every view of it (made on first use). */
export function tablesOf(model) {
  const state = model.get("_tables");
  return (state && STORES.get(state)) || new TableStore(model);
}
