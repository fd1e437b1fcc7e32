//! Crippen typing of non-hydrogen atoms: for each element, the rules of
//! RDKit's default table in the table's order, the first that fits wins.
//! Each rule is written next to the SMARTS it stands for.

use super::{Bd, CrippenType, View};
use CrippenType::*;

/// The type of non-hydrogen atom `i`, or `None` when no rule fits.
pub(super) fn heavy_type(v: &View, i: usize) -> Option<CrippenType> {
    let z = v.z(i);
    let q = v.charge(i);
    match z {
        6 => Some(carbon(v, i)),
        7 => Some(nitrogen(v, i)),
        8 => Some(oxygen(v, i)),
        9 | 17 | 35 | 53 if q == 0 => Some(match z {
            9 => F,
            17 => Cl,
            35 => Br,
            _ => I,
        }),
        // [#9,#17,#35,#53;-]; [#53;+,+2,+3]
        9 | 17 | 35 | 53 if q == -1 => Some(Hal),
        53 if (1..=3).contains(&q) => Some(Hal),
        // [+;#3,#11,#19,#37,#55]
        3 | 11 | 19 | 37 | 55 if q == 1 => Some(Hal),
        15 => Some(P),
        16 => Some(sulfur(v, i)),
        3 | 11 | 19 | 37 | 55 | 4 | 12 | 20 | 38 | 56 | 5 | 13 | 31 | 49 | 81 | 14 | 32 | 50 | 82 | 33 | 51 | 83
        | 34 | 52 | 84 => Some(Me1),
        21..=30 | 39..=48 | 72..=80 => Some(Me2),
        _ => None,
    }
}

fn carbon(v: &View, i: usize) -> CrippenType {
    let h = v.h(i);
    let x = v.x(i);
    let none: &[usize] = &[];
    let has = |wants: &[(Bd, &dyn Fn(usize) -> bool)]| v.has(i, none, wants);
    let c_aliph = |j: usize| v.aliphatic_el(j, 6);
    let c_arom = |j: usize| v.aromatic_el(j, 6);
    let arom = |j: usize| v.aromatic(j);
    let a_heavy = |j: usize| v.aliphatic_heavy(j);
    // [N,O,P,S,F,Cl,Br,I]
    let hetero = |j: usize| !v.aromatic(j) && matches!(v.z(j), 7 | 8 | 15 | 16 | 9 | 17 | 35 | 53);
    let any = Bd::Any;
    if v.aromatic(i) {
        // C13 [cH0]-[A;!C;!N;!O;!S;!F;!Cl;!Br;!I;!#1]
        let odd = |j: usize| v.aliphatic_heavy(j) && !matches!(v.z(j), 6 | 7 | 8 | 16 | 9 | 17 | 35 | 53);
        if h == 0 && has(&[(Bd::Single, &odd)]) {
            return C13;
        }
        // C14-C17 [c][#9], [c][#17], [c][#35], [c][#53]
        for (el, ty) in [(9, C14), (17, C15), (35, C16), (53, C17)] {
            if has(&[(any, &|j| v.z(j) == el)]) {
                return ty;
            }
        }
        // C18 [cH]
        if h == 1 {
            return C18;
        }
        let ar = Bd::Aromatic;
        // C19 [c](:a)(:a):a
        if has(&[(ar, &arom), (ar, &arom), (ar, &arom)]) {
            return C19;
        }
        // C20-C24 [c](:a)(:a)-a, -C, -N, -O, -S
        let single_to: [(&dyn Fn(usize) -> bool, CrippenType); 5] = [
            (&arom, C20),
            (&c_aliph, C21),
            (&|j| v.aliphatic_el(j, 7), C22),
            (&|j| v.aliphatic_el(j, 8), C23),
            (&|j| v.aliphatic_el(j, 16), C24),
        ];
        for (test, ty) in single_to {
            if has(&[(ar, &arom), (ar, &arom), (Bd::Single, test)]) {
                return ty;
            }
        }
        // C25 [c](:a)(:a)=[C,N,O]
        let cno = |j: usize| !v.aromatic(j) && matches!(v.z(j), 6..=8);
        if has(&[(ar, &arom), (ar, &arom), (Bd::Double, &cno)]) {
            return C25;
        }
        return CS;
    }
    // C1 [CH4]; [CH3]C; [CH2](C)C
    if h == 4 || (h == 3 && has(&[(any, &c_aliph)])) || (h == 2 && has(&[(any, &c_aliph), (any, &c_aliph)])) {
        return C1;
    }
    // C2 [CH](C)(C)C; [C](C)(C)(C)C
    if (h == 1 && has(&[(any, &c_aliph), (any, &c_aliph), (any, &c_aliph)]))
        || has(&[(any, &c_aliph), (any, &c_aliph), (any, &c_aliph), (any, &c_aliph)])
    {
        return C2;
    }
    // C3 [CH3][N,O,P,S,F,Cl,Br,I]; [CH2X4]([N,O,P,S,F,Cl,Br,I])[A;!#1]
    if (h == 3 && has(&[(any, &hetero)])) || (h == 2 && x == 4 && has(&[(any, &hetero), (any, &a_heavy)])) {
        return C3;
    }
    // C4 [CH1X4](het)([A;!#1])[A;!#1]; [CH0X4](het)([A;!#1])([A;!#1])[A;!#1]
    if (h == 1 && x == 4 && has(&[(any, &hetero), (any, &a_heavy), (any, &a_heavy)]))
        || (h == 0 && x == 4 && has(&[(any, &hetero), (any, &a_heavy), (any, &a_heavy), (any, &a_heavy)]))
    {
        return C4;
    }
    // C5 [C]=[!C;A;!#1]
    if has(&[(Bd::Double, &|j| v.aliphatic_heavy(j) && v.z(j) != 6)]) {
        return C5;
    }
    // C6 [CH2]=C; [CH1](=C)[A;!#1]; [CH0](=C)([A;!#1])[A;!#1]; [C](=C)=C
    let dbl = Bd::Double;
    if (h == 2 && has(&[(dbl, &c_aliph)]))
        || (h == 1 && has(&[(dbl, &c_aliph), (any, &a_heavy)]))
        || (h == 0 && has(&[(dbl, &c_aliph), (any, &a_heavy), (any, &a_heavy)]))
        || has(&[(dbl, &c_aliph), (dbl, &c_aliph)])
    {
        return C6;
    }
    // C7 [CX2]#[A;!#1]
    if x == 2 && has(&[(Bd::Triple, &a_heavy)]) {
        return C7;
    }
    // C8 [CH3]c; C9 [CH3]a
    if h == 3 && has(&[(any, &c_arom)]) {
        return C8;
    }
    if h == 3 && has(&[(any, &arom)]) {
        return C9;
    }
    // C10 [CH2X4]a; C11 [CHX4]a; C12 [CH0X4]a
    if x == 4 && has(&[(any, &arom)]) {
        match h {
            2 => return C10,
            1 => return C11,
            0 => return C12,
            _ => {}
        }
    }
    // C26 [C](=C)(a)[A;!#1]; [C](=C)(c)a; [CH1](=C)a; [C]=c
    if has(&[(dbl, &c_aliph), (any, &arom), (any, &a_heavy)])
        || has(&[(dbl, &c_aliph), (any, &c_arom), (any, &arom)])
        || (h == 1 && has(&[(dbl, &c_aliph), (any, &arom)]))
        || has(&[(dbl, &c_arom)])
    {
        return C26;
    }
    // C27 [CX4][A;!C;!N;!O;!P;!S;!F;!Cl;!Br;!I;!#1]
    let odd = |j: usize| v.aliphatic_heavy(j) && !matches!(v.z(j), 6 | 7 | 8 | 15 | 16 | 9 | 17 | 35 | 53);
    if x == 4 && has(&[(any, &odd)]) {
        return C27;
    }
    CS
}

fn nitrogen(v: &View, i: usize) -> CrippenType {
    let h = v.h(i);
    let q = v.charge(i);
    let none: &[usize] = &[];
    let has = |wants: &[(Bd, &dyn Fn(usize) -> bool)]| v.has(i, none, wants);
    let a_heavy = |j: usize| v.aliphatic_heavy(j);
    let heavy = |j: usize| v.heavy(j);
    let arom = |j: usize| v.aromatic(j);
    let any = Bd::Any;
    let dbl = Bd::Double;
    if v.aromatic(i) {
        // N11 [n+0]; N12 [n;+,+2,+3]
        return match q {
            0 => N11,
            1..=3 => N12,
            _ => NS,
        };
    }
    if q == 0 {
        // N1 [NH2+0][A;!#1]; N2 [NH+0]([A;!#1])[A;!#1]
        if h == 2 && has(&[(any, &a_heavy)]) {
            return N1;
        }
        if h == 1 && has(&[(any, &a_heavy), (any, &a_heavy)]) {
            return N2;
        }
        // N3 [NH2+0]a; N4 [NH1+0]([!#1;A,a])a
        if h == 2 && has(&[(any, &arom)]) {
            return N3;
        }
        if h == 1 && has(&[(any, &heavy), (any, &arom)]) {
            return N4;
        }
        // N5 [NH+0]=[!#1;A,a]; N6 [N+0](=[!#1;A,a])[!#1;A,a]
        if h == 1 && has(&[(dbl, &heavy)]) {
            return N5;
        }
        if has(&[(dbl, &heavy), (any, &heavy)]) {
            return N6;
        }
        // N7 [N+0]([A;!#1])([A;!#1])[A;!#1]
        if has(&[(any, &a_heavy), (any, &a_heavy), (any, &a_heavy)]) {
            return N7;
        }
        // N8 [N+0](a)([!#1;A,a])[A;!#1]; [N+0](a)(a)a
        if has(&[(any, &arom), (any, &heavy), (any, &a_heavy)]) || has(&[(any, &arom), (any, &arom), (any, &arom)]) {
            return N8;
        }
        // N9 [N+0]#[A;!#1]
        if has(&[(Bd::Triple, &a_heavy)]) {
            return N9;
        }
    }
    let cation = (1..=3).contains(&q);
    // N10 [NH3,NH2,NH;+,+2,+3]
    if cation && (1..=3).contains(&h) {
        return N10;
    }
    // N13 [NH0;+,+2,+3]([A;!#1])([A;!#1])([A;!#1])[A;!#1];
    //     [NH0;+,+2,+3](=[A;!#1])([A;!#1])[!#1;A,a]; [NH0;+,+2,+3](=[#6])=[#7]
    if cation
        && h == 0
        && (has(&[(any, &a_heavy), (any, &a_heavy), (any, &a_heavy), (any, &a_heavy)])
            || has(&[(dbl, &a_heavy), (any, &a_heavy), (any, &heavy)])
            || has(&[(dbl, &|j| v.z(j) == 6), (dbl, &|j| v.z(j) == 7)]))
    {
        return N13;
    }
    // N14 [N;+,+2,+3]#[A;!#1]; [N;-,-2,-3]; [N;+,+2,+3](=[N;-,-2,-3])=N
    let anion_n = |j: usize| v.aliphatic_el(j, 7) && (-3..=-1).contains(&v.charge(j));
    if (cation && has(&[(Bd::Triple, &a_heavy)]))
        || (-3..=-1).contains(&q)
        || (cation && has(&[(dbl, &anion_n), (dbl, &|j| v.aliphatic_el(j, 7))]))
    {
        return N14;
    }
    NS
}

fn oxygen(v: &View, i: usize) -> CrippenType {
    let h = v.h(i);
    let x = v.x(i);
    let q = v.charge(i);
    let none: &[usize] = &[];
    let has = |wants: &[(Bd, &dyn Fn(usize) -> bool)]| v.has(i, none, wants);
    let a_heavy = |j: usize| v.aliphatic_heavy(j);
    let heavy = |j: usize| v.heavy(j);
    let any = Bd::Any;
    let dbl = Bd::Double;
    // O1 [o]
    if v.aromatic(i) {
        return O1;
    }
    // O2 [OH,OH2]
    if h == 1 || h == 2 {
        return O2;
    }
    // O3 [O]([A;!#1])[A;!#1]; O4 [O](a)[!#1;A,a]
    if has(&[(any, &a_heavy), (any, &a_heavy)]) {
        return O3;
    }
    if has(&[(any, &|j| v.aromatic(j)), (any, &heavy)]) {
        return O4;
    }
    let anion = (-3..=-1).contains(&q);
    // O5 [O]=[#7,#8]; [OX1;-,-2,-3][#7]
    if has(&[(dbl, &|j| matches!(v.z(j), 7 | 8))]) || (x == 1 && anion && has(&[(any, &|j| v.z(j) == 7)])) {
        return O5;
    }
    // O6 [OX1;-,-2,-2][#16]; [O;-0]=[#16;-0]
    if (x == 1 && (q == -1 || q == -2) && has(&[(any, &|j| v.z(j) == 16)]))
        || (q == 0 && has(&[(dbl, &|j| v.z(j) == 16 && v.charge(j) == 0)]))
    {
        return O6;
    }
    // O12 [O-]C(=O)
    if q == -1 && has(&[(any, &|c| v.aliphatic_el(c, 6) && v.has(c, &[i], &[(dbl, &|k| v.aliphatic_el(k, 8))]))]) {
        return O12;
    }
    // O7 [OX1;-,-2,-3][!#1;!N;!S]
    if x == 1 && anion && has(&[(any, &|j| v.heavy(j) && !v.aliphatic_el(j, 7) && !v.aliphatic_el(j, 16))]) {
        return O7;
    }
    // O8 [O]=c
    if has(&[(dbl, &|j| v.aromatic_el(j, 6))]) {
        return O8;
    }
    // The carbonyl carbon's other neighbours must fit `wants`.
    let carbonyl = |carbon: &dyn Fn(usize) -> bool, wants: &[(Bd, &dyn Fn(usize) -> bool)]| {
        has(&[(dbl, &|c| v.aliphatic_el(c, 6) && carbon(c) && v.has(c, &[i], wants))])
    };
    let all = |_: usize| true;
    let c_aliph = |j: usize| v.aliphatic_el(j, 6);
    let c_arom = |j: usize| v.aromatic_el(j, 6);
    let h1 = |c: usize| v.h(c) == 1;
    // O9 [O]=[CH]C; [O]=C(C)([A;!#1]); [O]=[CH][N,O]; [O]=[CH2]; [O]=[CX2]=O
    let n_or_o = |j: usize| v.aliphatic_el(j, 7) || v.aliphatic_el(j, 8);
    if carbonyl(&h1, &[(any, &c_aliph)])
        || carbonyl(&all, &[(any, &c_aliph), (any, &a_heavy)])
        || carbonyl(&h1, &[(any, &n_or_o)])
        || carbonyl(&|c| v.h(c) == 2, &[])
        || carbonyl(&|c| v.x(c) == 2, &[(dbl, &|k| v.aliphatic_el(k, 8))])
    {
        return O9;
    }
    // O10 [O]=[CH]c; [O]=C([C,c])[a;!#1]; [O]=C(c)[A;!#1]
    if carbonyl(&h1, &[(any, &c_arom)])
        || carbonyl(&all, &[(any, &|j| v.z(j) == 6), (any, &|j| v.aromatic(j) && v.heavy(j))])
        || carbonyl(&all, &[(any, &c_arom), (any, &a_heavy)])
    {
        return O10;
    }
    // O11 [O]=C([!#1;!#6])[!#1;!#6]
    let hetero = |j: usize| v.heavy(j) && v.z(j) != 6;
    if carbonyl(&all, &[(any, &hetero), (any, &hetero)]) {
        return O11;
    }
    OS
}

fn sulfur(v: &View, i: usize) -> CrippenType {
    if v.aromatic(i) {
        // S3 [s;a]
        return S3;
    }
    // S2 [S;-,-2,-3,-4,+1,+2,+3,+5,+6]; [S-0]=[N,O,P,S]
    let q = v.charge(i);
    if matches!(q, -4..=-1 | 1..=3 | 5 | 6)
        || (q == 0 && v.has(i, &[], &[(Bd::Double, &|j| !v.aromatic(j) && matches!(v.z(j), 7 | 8 | 15 | 16))]))
    {
        return S2;
    }
    // S1 [S;A]
    S1
}
