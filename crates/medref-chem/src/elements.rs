//! The periodic table as the readers and descriptors need it: symbols,
//! standard atomic weights and the default valences that decide how many
//! implicit hydrogens an atom carries.

/// Element symbols indexed by atomic number; index 0 is the SMILES
/// wildcard `*` (an unknown atom, kept so query-like inputs still parse).
const SYMBOLS: [&str; 119] = [
    "*", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca",
    "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",
    "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce",
    "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir",
    "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm",
    "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc",
    "Lv", "Ts", "Og",
];

/// Standard (conventional, abridged IUPAC) atomic weights in g/mol, indexed
/// by atomic number. Elements without a stable isotope carry the mass number
/// of their longest-lived isotope, as the usual tables do. Index 0 (`*`) is 0.
const WEIGHTS: [f64; 119] = [
    0.0, 1.008, 4.0026, 6.94, 9.0122, 10.81, 12.011, 14.007, 15.999, 18.998, 20.180, // 0-10
    22.990, 24.305, 26.982, 28.085, 30.974, 32.06, 35.45, 39.948, 39.098, 40.078, // 11-20
    44.956, 47.867, 50.942, 51.996, 54.938, 55.845, 58.933, 58.693, 63.546, 65.38, // 21-30
    69.723, 72.630, 74.922, 78.971, 79.904, 83.798, 85.468, 87.62, 88.906, 91.224, // 31-40
    92.906, 95.95, 98.0, 101.07, 102.91, 106.42, 107.87, 112.41, 114.82, 118.71, // 41-50
    121.76, 127.60, 126.90, 131.29, 132.91, 137.33, 138.91, 140.12, 140.91, 144.24, // 51-60
    145.0, 150.36, 151.96, 157.25, 158.93, 162.50, 164.93, 167.26, 168.93, 173.05, // 61-70
    174.97, 178.49, 180.95, 183.84, 186.21, 190.23, 192.22, 195.08, 196.97, 200.59, // 71-80
    204.38, 207.2, 208.98, 209.0, 210.0, 222.0, 223.0, 226.0, 227.0, 232.04, // 81-90
    231.04, 238.03, 237.0, 244.0, 243.0, 247.0, 247.0, 251.0, 252.0, 257.0, // 91-100
    258.0, 259.0, 262.0, 267.0, 268.0, 269.0, 270.0, 277.0, 278.0, 281.0, // 101-110
    282.0, 285.0, 286.0, 289.0, 290.0, 293.0, 294.0, 294.0, // 111-118
];

/// Highest atomic number known here (oganesson).
pub const MAX_ATOMIC_NUMBER: u8 = 118;

/// The symbol of an element (`"C"`, `"Cl"`), `"*"` for 0, `None` beyond 118.
pub fn element_symbol(atomic_number: u8) -> Option<&'static str> {
    SYMBOLS.get(usize::from(atomic_number)).copied()
}

/// The atomic number of a symbol spelled with the usual capitalisation
/// (`"Cl"`, not `"CL"`); `*` is 0. `None` for anything else.
pub fn atomic_number(symbol: &str) -> Option<u8> {
    SYMBOLS.iter().position(|s| *s == symbol).and_then(|z| u8::try_from(z).ok())
}

/// Standard atomic weight in g/mol; 0 for the wildcard and unknown numbers.
pub fn average_mass(atomic_number: u8) -> f64 {
    WEIGHTS.get(usize::from(atomic_number)).copied().unwrap_or(0.0)
}

/// The mass number MDL molfiles count "mass difference" from: the standard
/// weight rounded to an integer (35 for Cl, 80 for Br).
pub fn nominal_mass(atomic_number: u8) -> u16 {
    // Weights are below 300, so the rounded value always fits.
    average_mass(atomic_number).round() as u16
}

/// Allowed valences of an element in a given charge state, smallest first,
/// used to fill up implicit hydrogens. Empty for metals, noble gases and
/// unusual charge states: such atoms get no implicit hydrogens.
///
/// Charged atoms follow the isoelectronic rule (N+ behaves like C, O- like
/// F), which is what makes `[NH4+]`-style molfile atoms come out right.
pub fn default_valences(atomic_number: u8, charge: i8) -> &'static [u8] {
    match (atomic_number, charge) {
        // B
        (5, 0) => &[3],
        (5, -1) => &[4],
        (5, 1) => &[2],
        // C, Si, Ge
        (6 | 14 | 32, 0) => &[4],
        (6 | 14 | 32, 1 | -1) => &[3],
        // N, P, As
        (7, 0) => &[3, 5],
        (15 | 33, 0) => &[3, 5],
        (7 | 15 | 33, 1) => &[4],
        (7 | 15 | 33, -1) => &[2],
        // O
        (8, 0) => &[2],
        (8, 1) => &[3],
        (8, -1) => &[1],
        // S, Se, Te
        (16 | 34 | 52, 0) => &[2, 4, 6],
        (16 | 34 | 52, 1) => &[3, 5],
        (16 | 34 | 52, -1) => &[1, 3, 5],
        // Halogens
        (9 | 17 | 35 | 53, 0) => &[1],
        (9 | 17 | 35 | 53, 1) => &[2],
        _ => &[],
    }
}

/// Number of implicit hydrogens an atom needs to reach its default valence.
///
/// `bond_valence` is the sum of bond orders to explicit neighbours, with an
/// aromatic bond counted as 1. An aromatic atom gives one more valence to
/// its aromatic system and may only use its lowest default valence: `c` in
/// benzene gets 1 H, `n` in pyridine and a fused `c` get none. A
/// non-aromatic atom takes the smallest default valence that is at least
/// its bond valence (so `N(=O)=O` is pentavalent with no H), and none if
/// its bonds exceed them all.
pub fn implicit_hydrogens(atomic_number: u8, charge: i8, aromatic: bool, bond_valence: u32) -> u8 {
    let valences = default_valences(atomic_number, charge);
    if aromatic {
        let Some(&lowest) = valences.first() else {
            return 0;
        };
        return u32::from(lowest).saturating_sub(bond_valence.saturating_add(1)).try_into().unwrap_or(0);
    }
    valences
        .iter()
        .map(|&v| u32::from(v))
        .find(|&v| v >= bond_valence)
        .map(|v| u8::try_from(v - bond_valence).unwrap_or(0))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_and_numbers_round_trip() {
        for z in 0..=MAX_ATOMIC_NUMBER {
            let s = element_symbol(z).unwrap();
            assert_eq!(atomic_number(s), Some(z), "{s}");
        }
        assert_eq!(atomic_number("Cl"), Some(17));
        assert_eq!(atomic_number("Og"), Some(118));
        assert_eq!(atomic_number("Xx"), None);
        assert_eq!(element_symbol(119), None);
    }

    #[test]
    fn weights_are_ordered_sensibly() {
        assert!((average_mass(6) - 12.011).abs() < 1e-9);
        assert!((average_mass(35) - 79.904).abs() < 1e-9);
        assert_eq!(nominal_mass(17), 35);
        assert_eq!(nominal_mass(35), 80);
        assert_eq!(average_mass(200), 0.0);
    }

    #[test]
    fn implicit_hydrogens_follow_default_valences() {
        assert_eq!(implicit_hydrogens(6, 0, false, 1), 3); // methyl
        assert_eq!(implicit_hydrogens(6, 0, true, 2), 1); // benzene c
        assert_eq!(implicit_hydrogens(6, 0, true, 3), 0); // fused c
        assert_eq!(implicit_hydrogens(7, 0, true, 2), 0); // pyridine n
        assert_eq!(implicit_hydrogens(7, 0, false, 5), 0); // nitro N(=O)=O
        assert_eq!(implicit_hydrogens(7, 0, false, 4), 1); // next valence 5
        assert_eq!(implicit_hydrogens(7, 1, false, 1), 3); // CH3-NH3+
        assert_eq!(implicit_hydrogens(8, -1, false, 1), 0); // alkoxide
        assert_eq!(implicit_hydrogens(16, 0, false, 3), 1); // next valence 4
        assert_eq!(implicit_hydrogens(26, 0, false, 0), 0); // metals: none
        assert_eq!(implicit_hydrogens(9, 0, false, 7), 0); // over-bonded
    }
}
