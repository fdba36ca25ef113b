//! Stable diagnostic codes. A code never changes meaning once published; retired codes are not reused.

use super::Severity;
use serde::Serialize;

macro_rules! codes {
    ($( $variant:ident = $text:literal, $severity:ident, $summary:literal; )*) => {
        /// Every diagnostic code qlineage emits.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( #[doc = $summary] $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable text form, e.g. `QS101`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// One line describing what the code flags.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }
        }
    };
}

codes! {
    UnterminatedString = "QS001", Error, "string literal not closed";
    UnterminatedName = "QS002", Error, "quoted name not closed";
    UnterminatedComment = "QS003", Warning, "block comment not closed: it runs to the end of the file";
    UnterminatedDollar = "QS004", Error, "dollar-sign expansion not closed";
    UnexpectedCharacter = "QS005", Error, "character that cannot start a token";
    NotUtf8 = "QS006", Warning, "file is not UTF-8 and has no BOM: read in a legacy code page";
    TooLarge = "QS007", Error, "script of 4 GiB or more: not parsed";
    InvisibleCharacter = "QS008", Warning, "invisible character (zero-width space, BOM) inside the script";
    TooManyErrors = "QS009", Info, "further errors of this kind in the file not reported";
    SyntaxError = "QS101", Error, "statement does not parse";
    MissingSemicolon = "QS102", Warning, "last statement not terminated by `;`";
    OrderByWithoutResident = "QS103", Error, "ORDER BY is only allowed after RESIDENT";
    UnknownFormatItem = "QS104", Warning, "unknown file format specification item";
    PrefixNotAllowed = "QS105", Error, "load prefix on a statement that does not load a table";
    SecondElse = "QS106", Warning, "second ELSE in one IF block: Qlik skips from it to END IF";
    StatementsBeforeCase = "QS107", Warning, "statements between SWITCH and its first CASE never run";
    UnmatchedBlockEnd = "QS201", Error, "block clause without its opening statement";
    UnclosedBlock = "QS202", Error, "control block not closed";
    NextVariableMismatch = "QS203", Error, "NEXT names a different variable than its FOR";
    PrecedingLoadWithoutSource = "QS204", Error, "preceding LOAD not followed by a LOAD or SELECT";
    NestingTooDeep = "QS301", Error, "nesting deeper than the parser accepts";
    QvdUnreadable = "QV001", Error, "QVD file cannot be opened, listed or mapped";
    QvdEmpty = "QV002", Error, "QVD file is empty";
    QvdGitLfsPointer = "QV003", Error, "QVD file is a Git LFS pointer, not the QVD";
    QvdNotQvd = "QV004", Error, "file named as a QVD does not start with an XML header";
    QvdWrongRootElement = "QV101", Error, "QVD header root element is not QvdTableHeader";
    QvdTruncatedHeader = "QV102", Error, "QVD header is cut off before its end";
    QvdHeaderTooLarge = "QV103", Error, "QVD header larger than the reader accepts";
    QvdBadHeaderEnd = "QV104", Error, "QVD header does not end with </QvdTableHeader>";
    QvdHeaderXml = "QV105", Error, "QVD header is not well-formed XML";
    QvdHeaderNumber = "QV106", Error, "numeric QVD header element holds something else";
    QvdMissingTableName = "QV107", Warning, "QVD header has no table name";
    QvdTruncatedData = "QV201", Error, "QVD record table ends past the end of the file";
    QvdHeaderOnly = "QV202", Error, "QVD has only a header, but its header places data after it";
    QvdSymbolTableOutOfBounds = "QV203", Error, "QVD symbol table lies outside the file";
    QvdRecordTableTooShort = "QV204", Error, "QVD record table shorter than its records";
    QvdBadBitField = "QV205", Error, "QVD field bits do not fit a record";
    QvdUnsupportedCompression = "QV301", Error, "compressed QVD cannot be profiled";
    QvdTruncatedSymbols = "QV302", Error, "QVD symbol table ends before all its symbols";
    QvdUnknownSymbolType = "QV303", Error, "QVD symbol with an unknown type byte";
    QvdHeaderContradicts = "QG001", Warning, "QVD header contradicts the script that stores it";
    QvdStoredTwice = "QG002", Info, "several apps store the same QVD";
    QvdNoProducer = "QG003", Info, "QVD read but stored by no app of the estate (header lineage used if readable)";
    EngineLineageUnmatched = "QG004", Info, "GetLineage names a source the script analysis did not find";
    DataFlowCycle = "QG005", Info, "data flows in a cycle (an app reads what it stores): reported, not walked";
    ChartFieldUnknown = "QG006", Warning, "chart expression uses a field no table of the app loads";
    ReloadLogMalformed = "QG007", Warning, "reload log cannot be read in full";
    ReloadLogDisagrees = "QG008", Info, "reload log shows a statement the static analysis resolved differently";
    UndefinedVariable = "QM001", Warning, "variable expanded before any SET or LET: expands to nothing";
    ExpansionTooDeep = "QM002", Error, "dollar-sign expansion nested too deep (a variable that expands to itself?)";
    ExpansionTooLarge = "QM003", Error, "dollar-sign expansion output over the size cap";
    IncludeMissing = "QM101", Warning, "Include file not found: Qlik includes nothing";
    MustIncludeMissing = "QM102", Error, "Must_Include file not found: the reload fails";
    IncludeCycle = "QM103", Error, "include cycle";
    IncludeOutsideRoots = "QM104", Error, "include path outside the allowed roots: not read";
    IncludeTooDeep = "QM105", Error, "includes nested too deep";
    LoopCapped = "QM201", Warning, "loop stopped at the iteration cap";
    UnknownSub = "QM202", Error, "CALL of a SUB that is not defined";
    RecursionTooDeep = "QM203", Error, "SUB calls nested too deep";
    StepBudgetExhausted = "QM204", Error, "statement budget exhausted: analysis stopped";
    UnknownTable = "QM301", Error, "statement names a table that does not exist at that point";
    MappingShape = "QM302", Warning, "mapping table without exactly two fields";
    SyntheticKey = "QM303", Warning, "tables share more than one field: synthetic key";
    CircularReference = "QM304", Warning, "tables associate in a loop: circular reference";
    BinaryCycle = "QM305", Error, "apps load each other with BINARY in a cycle";
    SqlNotParsed = "QM401", Info, "SQL body not parsed: tables found by a token scan";
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown diagnostic code `{text}`")))
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
