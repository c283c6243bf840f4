package bot

import (
	"context"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/tavan7/tavan/bot/store"
	"github.com/tavan7/tavan/lessons"
)

// SendMedia sends a content file. A local file is uploaded once: the file_id Telegram returns is cached
// by content hash and every later send reuses it. URLs and file_ids pass through.
func (b *Bot) SendMedia(ctx context.Context, chatID int64, m *lessons.Media, caption string) error {
	var file tgbotapi.RequestFileData
	cached := ""
	switch {
	case m.FileID != "":
		file = tgbotapi.FileID(m.FileID)
	case m.URL != "":
		file = tgbotapi.FileURL(m.URL)
	default:
		_ = b.Store.View(func(tx *store.Tx) error { cached = tx.FileID(m.Hash); return nil })
		if cached != "" {
			file = tgbotapi.FileID(cached)
		} else {
			data, err := b.Content().Open(m)
			if err != nil {
				return err
			}
			file = tgbotapi.FileBytes{Name: m.Name, Bytes: data}
		}
	}
	msg, err := b.Send(ctx, mediaConfig(chatID, m.Type, file, caption))
	if err != nil && cached != "" && !IsGone(err) {
		// A file_id from another bot or server is useless here: forget it and upload again.
		_ = b.Store.Update(func(tx *store.Tx) error { return tx.PutFileID(m.Hash, "") })
		return b.SendMedia(ctx, chatID, &lessons.Media{Type: m.Type, File: m.File, Name: m.Name, Hash: ""}, caption)
	}
	if err != nil {
		return err
	}
	if m.Hash != "" && cached == "" {
		if id := sentFileID(msg); id != "" {
			return b.Store.Update(func(tx *store.Tx) error { return tx.PutFileID(m.Hash, id) })
		}
	}
	return nil
}

func mediaConfig(chatID int64, kind string, file tgbotapi.RequestFileData, caption string) tgbotapi.Chattable {
	switch kind {
	case "photo":
		c := tgbotapi.NewPhoto(chatID, file)
		c.Caption, c.ParseMode = caption, tgbotapi.ModeHTML
		return c
	case "audio":
		c := tgbotapi.NewAudio(chatID, file)
		c.Caption, c.ParseMode = caption, tgbotapi.ModeHTML
		return c
	case "video":
		c := tgbotapi.NewVideo(chatID, file)
		c.Caption, c.ParseMode = caption, tgbotapi.ModeHTML
		return c
	case "voice":
		c := tgbotapi.NewVoice(chatID, file)
		c.Caption, c.ParseMode = caption, tgbotapi.ModeHTML
		return c
	}
	c := tgbotapi.NewDocument(chatID, file)
	c.Caption, c.ParseMode = caption, tgbotapi.ModeHTML
	return c
}

// sentFileID reads the file_id Telegram assigned to the media of a sent message.
func sentFileID(m tgbotapi.Message) string {
	switch {
	case len(m.Photo) > 0:
		return m.Photo[len(m.Photo)-1].FileID
	case m.Audio != nil:
		return m.Audio.FileID
	case m.Video != nil:
		return m.Video.FileID
	case m.Voice != nil:
		return m.Voice.FileID
	case m.Document != nil:
		return m.Document.FileID
	}
	return ""
}
