"""Terms and key phrases keep whole words in every script the notes use."""

from notes_pipeline.domain.sentence_rank import key_phrases, terms


def test_hindi_and_urdu_words_keep_their_vowel_signs():
    assert terms("करना अपमानजनक व्यवहार") == ["करना", "अपमानजनक", "व्यवहार"]
    assert "ہراساں" in terms("ہراساں کرنے کی اطلاع دیں")
    phrases = key_phrases("अपमानजनक व्यवहार के उदाहरण हो सकते हैं।", ["यह आचार संहिता परियोजना के भीतर लागू होती है।"], 1)
    assert phrases == ["अपमानजनक व्यवहार"]  # not 'अपम' cut at the first vowel sign
