"""Labels for the checklist's fixed vocabulary: responsible parties and "not applicable"."""

from app.checklists.schema import I18nText, Responsible

RESPONSIBLE_LABELS: dict[Responsible, I18nText] = {
    "cooperative": I18nText(ru="КСК/ОСИ", kk="ПИК/МИБ", en="Housing cooperative (KSK/OSI)"),
    "akimat": I18nText(ru="Акимат района", kk="Аудан әкімдігі", en="District akimat"),
    "police": I18nText(ru="Полиция", kk="Полиция", en="Police"),
    "utility": I18nText(ru="Коммунальная служба", kk="Коммуналдық қызмет", en="Utility company"),
    "residents": I18nText(ru="Жители", kk="Тұрғындар", en="Residents"),
    "owner": I18nText(ru="Владелец объекта", kk="Нысан иесі", en="Owner of the site or business"),
}

NOT_APPLICABLE_LABEL = I18nText(
    ru="Не относится к нашему двору", kk="Біздің аулаға қатысы жоқ", en="Does not apply here"
)
