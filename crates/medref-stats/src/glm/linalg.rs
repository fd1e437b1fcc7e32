//! The dense symmetric solve a Newton step needs. The systems are
//! `[p + 1, p + 1]` with p in the tens to hundreds, so a plain Cholesky
//! factorisation is both the fastest and the most predictable choice, and
//! its failure is exactly the signal that the problem is singular.

/// Factorises the symmetric matrix `a` (row-major `[m, m]`, only the lower
/// triangle is read) in place into `L` with `a = L Lᵀ`. Returns `false`
/// when a pivot is not safely positive: the matrix is singular or
/// indefinite to working precision, and the caller decides what that means.
pub(crate) fn cholesky_in_place(a: &mut [f64], m: usize) -> bool {
    debug_assert_eq!(a.len(), m * m);
    // A pivot this small relative to the diagonal's scale means the column
    // is a linear combination of earlier ones up to rounding.
    let scale = (0..m).map(|i| a[i * m + i].abs()).fold(0.0, f64::max);
    let floor = scale * 1e-13;
    for j in 0..m {
        let mut d = a[j * m + j];
        for k in 0..j {
            d -= a[j * m + k] * a[j * m + k];
        }
        if d.is_nan() || d <= floor {
            return false;
        }
        let d = d.sqrt();
        a[j * m + j] = d;
        for i in j + 1..m {
            let mut s = a[i * m + j];
            for k in 0..j {
                s -= a[i * m + k] * a[j * m + k];
            }
            a[i * m + j] = s / d;
        }
    }
    true
}

/// Solves `L Lᵀ x = b` in place, with `l` from [`cholesky_in_place`].
pub(crate) fn cholesky_solve(l: &[f64], m: usize, b: &mut [f64]) {
    for i in 0..m {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * m + k] * b[k];
        }
        b[i] = s / l[i * m + i];
    }
    for i in (0..m).rev() {
        let mut s = b[i];
        for k in i + 1..m {
            s -= l[k * m + i] * b[k];
        }
        b[i] = s / l[i * m + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_known_system() {
        // A = [[4, 2], [2, 3]], x = [1, -2] gives b = [0, -4].
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        assert!(cholesky_in_place(&mut a, 2));
        let mut b = vec![0.0, -4.0];
        cholesky_solve(&a, 2, &mut b);
        assert!((b[0] - 1.0).abs() < 1e-14 && (b[1] + 2.0).abs() < 1e-14, "{b:?}");
    }

    #[test]
    fn refuses_a_singular_matrix() {
        // Second row is twice the first.
        let mut a = vec![1.0, 2.0, 2.0, 4.0];
        assert!(!cholesky_in_place(&mut a, 2));
        let mut indefinite = vec![1.0, 0.0, 0.0, -1.0];
        assert!(!cholesky_in_place(&mut indefinite, 2));
    }
}
