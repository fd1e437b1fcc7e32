//! The text at the end of each command's `--help`: an example and the exit
//! status (clap's `after_help`). Exit status everywhere: 0 success, 2 bad
//! input (the user can fix the command, config or data), 1 anything else.

/// One `after_help` text from example lines and an exit-status sentence.
macro_rules! after {
    ($($example:literal),+ ; $exit:literal) => {
        concat!("Examples:\n", $("  ", $example, "\n",)+ "\nExit status: ", $exit)
    };
}

pub const MEDREF: &str = after!(
    "medref train configs/imaging/tiny.toml --out runs/tiny",
    "medref train --help";
    "0 success; 1 a failure that is not the input's fault (training diverged, a write failed); 2 bad \
     input (config, data, device, run directory, command line)."
);

pub const TRAIN: &str = after!(
    "medref train configs/clinical/tiny.toml --out runs/clinical --set train.epochs=5",
    "medref train --resume runs/clinical";
    "0 trained; 1 training failed (non-finite loss, cannot write); 2 bad input (config, data, device, \
     --out already holds a run without --force)."
);

pub const EVAL: &str = after!(
    "medref eval runs/clinical --out runs/clinical/metrics-again.json",
    "medref eval runs/clinical --data datasets/clinical/tiny/visits.csv";
    "0 evaluated; 1 other failure; 2 bad input (not a run directory, unreadable or mismatched data)."
);

pub const PREDICT: &str = after!(
    "medref predict runs/tiny datasets/imaging/tiny.npz --out scores.csv",
    "medref predict runs/clinical new_visits.csv";
    "0 scored; 1 other failure; 2 bad input (not a run directory, an input of a kind the run cannot read)."
);

pub const EXPLAIN: &str = after!(
    "medref explain runs/genomics --sequence ACGTTGCA... --out ism/",
    "medref explain runs/genomics --fasta seqs.fa --record chr1_100 --out ism/";
    "0 written; 1 cannot write; 2 bad input (not a DNA run, no such record, not DNA)."
);

pub const GENOMICS: &str = after!(
    "medref genomics score-variants runs/genomics --reference ref.fa --vcf in.vcf --out scores.tsv";
    "as the subcommand's."
);

pub const SCORE_VARIANTS: &str = after!(
    "medref genomics score-variants runs/genomics --reference ref.fa --vcf in.vcf --out scores.tsv",
    "medref genomics score-variants runs/genomics --reference ref.fa.gz --vcf in.vcf --out annotated.vcf";
    "0 written (flagged variants are listed, not errors); 1 cannot write; 2 bad input (not a DNA run, \
     unreadable reference or VCF, --out not .tsv or .vcf)."
);

pub const DATA: &str = after!(
    "medref data synth clinical --out visits.csv",
    "medref data fetch medmnist pneumoniamnist",
    "medref data inspect datasets/imaging/tiny.npz";
    "as the subcommand's."
);

pub const REPRODUCE: &str = after!(
    "medref reproduce --tiny --jobs 2",
    "medref reproduce --domain imaging --seeds 3 --out runs/reproduce-imaging";
    "0 every row reproduced its reference; 1 a row failed or errored; 2 bad input (unreadable table, \
     --seeds 0)."
);

pub const SWEEP: &str = after!(
    "medref sweep configs/clinical/tiny.toml --grid train.lr=0.01,0.03 --seeds 3 --jobs 2 --out runs/sweep-lr",
    "medref sweep configs/imaging/tiny.toml --grid model.width=16,32 --emit slurm --partition gpu --out /shared/sweeps/w",
    "medref sweep collect runs/sweep-lr";
    "0 every task finished (or, with --emit slurm, the script was written); 1 a task failed; 2 bad input \
     (config, --grid key or value)."
);

pub const SWEEP_COLLECT: &str = after!(
    "medref sweep collect runs/sweep-lr";
    "0 summary written (unfinished runs show as fewer seeds); 2 not a sweep directory or a broken metrics file."
);

pub const SWEEP_TASK: &str = after!(
    "medref sweep task runs/sweep-lr 3";
    "0 trained or already finished; 1 training failed; 2 bad input."
);

pub const REPORT: &str = after!(
    "medref report runs/clinical",
    "medref report runs/a runs/b runs/c --out comparison.html";
    "0 written; 2 a folder that is not a run, or a broken run file."
);

pub const PUBLISH: &str = after!(
    "medref publish runs/tiny --out bundles/tiny",
    "medref publish runs/tiny --out bundles/tiny.zip --k 20",
    "MEDREF_DEID_SECRET=... medref publish runs/tiny --out bundles/tiny --keep-predictions",
    "medref publish --check bundles/tiny.zip";
    "0 published, or --check found nothing; 1 --check found something (one `file: reason` line each on \
     stdout), or the bundle could not be written; 2 bad input (not a run directory, --out not empty, \
     --keep-predictions without MEDREF_DEID_SECRET, a bundle that cannot be read).\n\n\
     Explanations drawn on real records are removed, not redrawn on generated examples."
);

pub const COMPLETIONS: &str = after!(
    "medref completions bash > ~/.local/share/bash-completion/completions/medref",
    "medref completions zsh > ~/.zfunc/_medref      # with fpath+=~/.zfunc before compinit",
    "medref completions fish > ~/.config/fish/completions/medref.fish";
    "0 printed."
);

pub const MAN: &str = after!(
    "medref man | man -l -",
    "medref man --out man/      # medref.1, medref-train.1, ... for MANPATH";
    "0 printed or written; 1 cannot write."
);

pub const SYNTH: &str = after!(
    "medref data synth imaging --out tiny.npz --n-train 200 --seed 3",
    "medref data synth genomics --out synth-genome/",
    "medref data synth omop --persons 10000 cdm/";
    "0 written; 1 cannot write; 2 an option out of range."
);

pub const INSPECT: &str = after!(
    "medref data inspect datasets/imaging/tiny.npz",
    "medref data inspect scans/slice001.dcm";
    "0 shown; 2 unreadable, or not a .npz, .dcm or image folder."
);

pub const VALIDATE: &str = after!(
    "medref data validate --config configs/clinical/tiny.toml",
    "medref data validate new_visits.csv --config configs/clinical/tiny.toml";
    "0 the data would train; 2 it would be rejected (the message `train` would give)."
);

pub const FETCH: &str = after!(
    "medref data fetch medmnist pneumoniamnist",
    "MEDREF_DATA_DIR=/shared/data medref data fetch medmnist bloodmnist --size 64",
    "medref data fetch medmnist breastmnist --from ~/Downloads/breastmnist.npz";
    "0 downloaded (or already there) and the MD5 verified; 1 the download failed 4 times (network, \
     server) or with a 4xx answer; 2 an unknown dataset or size, or a checksum mismatch (the file is removed)."
);

pub const CHECK_ANONYMITY: &str = after!(
    "medref data check-anonymity datasets/anonymity/patients.csv --quasi age,sex,zip --k 3",
    "medref data check-anonymity patients.csv --quasi age,zip --k 5 --sensitive diagnosis --l 2 --out report.json";
    "0 k (and l) met; 1 not met; 2 bad input (a missing column, an unreadable table)."
);

pub const GENERALISE: &str = after!(
    "medref data generalise datasets/anonymity/patients.csv --config datasets/anonymity/generalise.toml --out k3.csv";
    "0 written with the target met; 1 the target is not reachable (nothing written); 2 bad input."
);

pub const DEIDENTIFY: &str = after!(
    "MEDREF_DEID_SECRET=... medref data deidentify scan.dcm scan-deid.dcm --report deid.json",
    "medref data deidentify scan.dcm scan-deid.dcm --shift-dates -30";
    "0 written; 1 cannot write; 2 bad input (not DICOM, the output would replace the input)."
);

pub const SYNTH_IMAGING: &str = after!(
    "medref data synth imaging --out tiny.npz",
    "medref data synth imaging --out rgb.npz --channels 3 --size 64 --n-train 1000 --seed 1";
    "0 written; 1 cannot write; 2 an option out of range."
);

pub const SYNTH_VOLUMES: &str = after!(
    "medref data synth volumes --out datasets/tiny/volumes_tiny.npz",
    "medref data synth volumes --out cubes.npz --size 28 --n-train 600 --seed 1";
    "0 written; 1 cannot write; 2 an option out of range."
);

pub const SYNTH_OMOP: &str = after!(
    "medref data synth omop --persons 100000 --seed 42 cdm-1e5/";
    "0 written; 1 cannot write; 2 --persons is 0."
);

pub const SYNTH_GENOMICS: &str = after!(
    "medref data synth genomics --out synth-genome/ --seed 2";
    "0 written; 1 cannot write."
);

pub const SYNTH_CLINICAL: &str = after!(
    "medref data synth clinical --out visits.csv --n-patients 1000";
    "0 written; 1 cannot write; 2 --n-patients below 10."
);

pub const SYNTH_ELDERCARE: &str = after!(
    "medref data synth eldercare --out eldercare/";
    "0 written; 2 the folder cannot be written."
);

pub const SYNTH_SURGERY: &str = after!(
    "medref data synth surgery --out jigsaws-like/";
    "0 written; 2 the folder cannot be written."
);

pub const SYNTH_ANONYMITY: &str = after!(
    "medref data synth anonymity --out patients.csv";
    "0 written; 1 cannot write."
);

pub const SYNTH_DRUG: &str = after!(
    "medref data synth drug --out molecules.csv --n-molecules 2000";
    "0 written; 1 cannot write; 2 --n-molecules outside 10-20000."
);

pub const FETCH_SOURCES: &str = after!(
    "medref data fetch medmnist pneumoniamnist --size 64";
    "as the subcommand's."
);
