// Growable typed arrays: compact columns for hundreds of thousands of rows.

type TypedArray = Int32Array | Float64Array | Uint8Array;
type TypedCtor<T extends TypedArray> = new (length: number) => T;

class Grow<T extends TypedArray> {
  data: T;
  length = 0;
  private readonly ctor: TypedCtor<T>;

  constructor(ctor: TypedCtor<T>, capacity = 1024) {
    this.ctor = ctor;
    this.data = new ctor(capacity);
  }

  push(value: number): number {
    if (this.length === this.data.length) this.reserve(this.length + 1);
    this.data[this.length] = value;
    return this.length++;
  }

  /** Appends every value of `values`. */
  append(values: ArrayLike<number>): void {
    this.reserve(this.length + values.length);
    (this.data as TypedArray).set(values, this.length);
    this.length += values.length;
  }

  get(i: number): number {
    return this.data[i]!;
  }

  set(i: number, value: number): void {
    this.data[i] = value;
  }

  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    let next = this.data.length * 2;
    while (next < capacity) next *= 2;
    const bigger = new this.ctor(next);
    (bigger as TypedArray).set(this.data);
    this.data = bigger;
  }

  /** A copy of values [from, to). */
  slice(from: number, to = this.length): T {
    return this.data.slice(from, to) as T;
  }
}

export class GrowI32 extends Grow<Int32Array> {
  constructor(capacity?: number) {
    super(Int32Array, capacity);
  }
}

export class GrowF64 extends Grow<Float64Array> {
  constructor(capacity?: number) {
    super(Float64Array, capacity);
  }
}
