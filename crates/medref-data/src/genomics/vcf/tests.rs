use super::*;

const VCF: &str = "##fileformat=VCFv4.2\n\
##INFO=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n\
##contig=<ID=chr1,length=100>\n\
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n\
chr1\t5\trs1\tA\tG,T\t50\tPASS\tDP=3\tGT\t0/1\n\
chr1\t9\t.\tacg\ta\t.\t.\t.\tGT\t1/1\n\
chr1\t12\t.\tC\t<DEL>,*\t.\t.\t.\tGT\t./.\n\
chr1\t20\t.\tT\t.\t.\t.\t.\tGT\t0/0\n";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn reads_records_with_one_based_positions_and_alleles() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = read_vcf(write(dir.path(), "a.vcf", VCF)).unwrap();
    assert_eq!(vcf.sample_names, ["S1"]);
    assert_eq!(vcf.records.len(), 4);
    let r = &vcf.records[0];
    assert_eq!((r.line, r.chrom.as_str(), r.pos, r.id.as_str()), (5, "chr1", 5, "rs1"));
    assert_eq!((r.reference.as_str(), r.alternates.clone()), ("A", vec!["G".to_string(), "T".to_string()]));
    assert_eq!(vcf.records[1].reference, "ACG");
    assert_eq!(vcf.records[1].alternates, ["A"]);
    assert_eq!(vcf.records[2].alternates, ["<DEL>", "*"]);
    assert!(vcf.records[3].alternates.is_empty());
    assert!(vcf.header.ends_with("S1\n") && vcf.header.starts_with("##fileformat"));
    assert_eq!(alt_kind("G]17:198982]"), AltKind::Breakend);
    assert_eq!(alt_kind(".A"), AltKind::Breakend);
    assert_eq!(alt_kind("<DEL>"), AltKind::Symbolic);
    assert_eq!(alt_kind("*"), AltKind::Overlapping);
    assert_eq!(alt_kind("ACG"), AltKind::Bases);
}

#[test]
fn bgzip_vcf_reads_like_plain() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let plain = read_vcf(write(dir.path(), "a.vcf", VCF)).unwrap();
    let gz = dir.path().join("a.vcf.gz");
    let mut w = noodles::bgzf::io::Writer::new(std::fs::File::create(&gz).unwrap());
    w.write_all(VCF.as_bytes()).unwrap();
    w.finish().unwrap();
    let compressed = read_vcf(&gz).unwrap();
    assert_eq!(compressed.records, plain.records);
    assert_eq!(compressed.header, plain.header);
}

#[test]
fn writer_adds_declared_info_and_keeps_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = read_vcf(write(dir.path(), "a.vcf", VCF)).unwrap();
    let defs = [
        InfoDef::new("DELTA", "A", "Float", "alt minus ref \"logit\""),
        InfoDef::new("FLAGGED", "0", "Flag", "not scored"),
    ];
    let values = vec![
        vec![Some("0.5,-1.25".into()), None],
        vec![Some("2".into()), None],
        vec![None, Some(String::new())],
        vec![None, None],
    ];
    let text = write_vcf_with_info(&vcf, &defs, &values).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[3], "##INFO=<ID=DELTA,Number=A,Type=Float,Description=\"alt minus ref \\\"logit\\\"\">");
    assert_eq!(lines[4], "##INFO=<ID=FLAGGED,Number=0,Type=Flag,Description=\"not scored\">");
    assert!(lines[5].starts_with("#CHROM"));
    assert_eq!(lines[6], "chr1\t5\trs1\tA\tG,T\t50\tPASS\tDP=3;DELTA=0.5,-1.25\tGT\t0/1");
    assert_eq!(lines[7], "chr1\t9\t.\tacg\ta\t.\t.\tDELTA=2\tGT\t1/1");
    assert_eq!(lines[8], "chr1\t12\t.\tC\t<DEL>,*\t.\t.\tFLAGGED\tGT\t./.");
    assert_eq!(lines[9], "chr1\t20\t.\tT\t.\t.\t.\t.\tGT\t0/0");
    // The output reads back, and re-scoring replaces instead of duplicating.
    let again = read_vcf(write(dir.path(), "b.vcf", &text)).unwrap();
    assert_eq!(again.records.len(), 4);
    let twice = write_vcf_with_info(&again, &defs, &values).unwrap();
    assert_eq!(twice, text);
}

#[test]
fn writer_refuses_bad_values_naming_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let vcf = read_vcf(write(dir.path(), "a.vcf", VCF)).unwrap();
    let defs = [InfoDef::new("DELTA", "A", "Float", "d")];
    let rows = |first: &str| {
        let mut v = vec![vec![None]; 4];
        v[0][0] = Some(first.to_string());
        v
    };
    let e = write_vcf_with_info(&vcf, &defs, &rows("0.5")).unwrap_err().to_string();
    assert!(e.contains("record at line 5") && e.contains("needs 2 value(s)"), "{e}");
    let e = write_vcf_with_info(&vcf, &defs, &rows("1;2")).unwrap_err().to_string();
    assert!(e.contains("`;`"), "{e}");
    assert!(write_vcf_with_info(&vcf, &defs, &rows("1,2")[..3]).is_err());
    assert!(write_vcf_with_info(&vcf, &[InfoDef::new("1X", "1", "Float", "d")], &vec![vec![None]; 4]).is_err());
    assert!(write_vcf_with_info(&vcf, &[InfoDef::new("F", "1", "Flag", "d")], &vec![vec![None]; 4]).is_err());
}

#[test]
fn malformed_records_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let head = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n";
    let cases = [
        ("chr1\tx5\t.\tA\tG\t.\t.\t.\n", "line 3, column 2 (POS): `x5` is not a whole number"),
        ("chr1\t5\t.\tA@\tG\t.\t.\t.\n", "line 3, column 4 (REF)"),
        ("chr1\t5\t.\tA\tG,,T\t.\t.\t.\n", "line 3, column 5 (ALT): allele 2 is empty"),
        ("chr1\t5\t.\tA\tQ\t.\t.\t.\n", "line 3, column 5 (ALT): allele `Q` holds `Q`"),
        ("chr1\t5\t.\tA\n", "line 3: 4 tab-separated columns but the `#CHROM` line has 8 (truncated line?)"),
        ("chr1\t5\t.\t\tG\t.\t.\t.\n", "line 3, column 4 (REF): empty"),
    ];
    for (i, (line, want)) in cases.iter().enumerate() {
        let p = write(dir.path(), &format!("c{i}.vcf"), &format!("{head}{line}"));
        let e = read_vcf(&p).unwrap_err().to_string();
        assert!(e.starts_with(&p.display().to_string()), "{e}");
        assert!(e.contains(want), "{e}\n  should contain: {want}");
    }
    let p = write(
        dir.path(),
        "nohead.vcf",
        "##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1,Type=Integer,Description=\"d\">\n",
    );
    assert!(read_vcf(&p).unwrap_err().to_string().contains("no `#CHROM` line"));
    let p = write(dir.path(), "notvcf.vcf", "chr1\t5\n");
    assert!(read_vcf(&p).unwrap_err().to_string().contains("line 1: expected `##fileformat=VCFv4.x`"));
    let p = write(
        dir.path(),
        "badinfo.vcf",
        "##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n",
    );
    let e = read_vcf(&p).unwrap_err().to_string();
    assert!(e.contains("line 2: invalid header line"), "{e}");
}
