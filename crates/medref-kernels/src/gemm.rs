//! A safe face for the `gemm` crate's matrix product (the one flex uses).

/// A read-only matrix view: element `(i, j)` is `data[i * rs + j * cs]`.
#[derive(Clone, Copy)]
pub struct Mat<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> Mat<'a> {
    /// `data` as a `rows x cols` row-major matrix.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, rs: cols, cs: 1 }
    }

    /// The transpose of `data` stored as `rows x cols` row-major: a
    /// `cols x rows` matrix.
    pub fn transposed(data: &'a [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows: cols, cols: rows, rs: 1, cs: cols }
    }

    fn fits(&self) -> bool {
        fits(self.data.len(), self.rows, self.cols, self.rs, self.cs)
    }

    /// Any strided view: element `(i, j)` is `data[i * rs + j * cs]`.
    pub fn strided(data: &'a [f32], rows: usize, cols: usize, rs: usize, cs: usize) -> Self {
        Self { data, rows, cols, rs, cs }
    }
}

/// A writable matrix view, laid out as `Mat`.
pub struct MatMut<'a> {
    data: &'a mut [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> MatMut<'a> {
    pub fn row_major(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, rs: cols, cs: 1 }
    }

    /// Column `j` is `data[j * rows..][..rows]`: gemm's own layout, so a
    /// product into it needs no repacking of the output.
    pub fn col_major(data: &'a mut [f32], rows: usize, cols: usize) -> Self {
        Self { data, rows, cols, rs: 1, cs: rows }
    }

    pub fn strided(data: &'a mut [f32], rows: usize, cols: usize, rs: usize, cs: usize) -> Self {
        Self { data, rows, cols, rs, cs }
    }
}

fn fits(len: usize, rows: usize, cols: usize, rs: usize, cs: usize) -> bool {
    rows == 0 || cols == 0 || (rows - 1) * rs + (cols - 1) * cs < len
}

/// `dst = a x b` (or `dst += a x b` with `accumulate`), `dst` row-major
/// `a.rows x b.cols`; single-threaded (callers parallelise over samples).
pub fn matmul(dst: &mut [f32], a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    assert!(dst.len() >= a.rows * b.cols, "matmul: sizes do not fit");
    product(MatMut::row_major(dst, a.rows, b.cols), a, b, accumulate);
}

/// `dst = a x b` (or `dst += a x b`) for any strided views; single-threaded.
pub fn product(dst: MatMut<'_>, a: Mat<'_>, b: Mat<'_>, accumulate: bool) {
    let (m, n, k) = (a.rows, b.cols, a.cols);
    assert!(
        a.cols == b.rows
            && dst.rows == m
            && dst.cols == n
            && a.fits()
            && b.fits()
            && fits(dst.data.len(), m, n, dst.rs, dst.cs),
        "matmul: sizes do not fit"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                for j in 0..n {
                    dst.data[i * dst.rs + j * dst.cs] = 0.0;
                }
            }
        }
        return;
    }
    // SAFETY: the asserts above keep every element gemm reads or writes
    // inside `a.data`, `b.data` and `dst.data`; `dst` is borrowed mutably,
    // so it does not alias them, and gemm runs on this thread only.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.data.as_mut_ptr(),
            dst.cs as isize,
            dst.rs as isize,
            accumulate,
            a.data.as_ptr(),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_and_transposes_equal_the_hand_computed_ones() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2x3
        let b = [7.0, 8.0, 9.0, 10.0, 11.0, 12.0]; // 3x2
        let mut c = [0.0; 4];
        matmul(&mut c, Mat::row_major(&a, 2, 3), Mat::row_major(&b, 3, 2), false);
        assert_eq!(c, [58.0, 64.0, 139.0, 154.0]);
        matmul(&mut c, Mat::row_major(&a, 2, 3), Mat::row_major(&b, 3, 2), true);
        assert_eq!(c, [116.0, 128.0, 278.0, 308.0]);
        // a^T (3x2) x a (2x3)
        let mut d = [0.0; 9];
        matmul(&mut d, Mat::transposed(&a, 2, 3), Mat::row_major(&a, 2, 3), false);
        assert_eq!(d, [17.0, 22.0, 27.0, 22.0, 29.0, 36.0, 27.0, 36.0, 45.0]);
    }
}
